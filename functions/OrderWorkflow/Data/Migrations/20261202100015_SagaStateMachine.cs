using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OrderWorkflow.Data.Migrations
{
    /// <inheritdoc />
    public partial class SagaStateMachine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_order_sagas_due",
                table: "order_sagas");

            migrationBuilder.DropColumn(
                name: "PaymentToken",
                table: "order_sagas");

            migrationBuilder.DropColumn(
                name: "StepStartedAt",
                table: "order_sagas");

            migrationBuilder.AddColumn<TimeSpan>(
                name: "FailingFor",
                table: "order_sagas",
                type: "interval",
                nullable: false,
                defaultValue: new TimeSpan(0, 0, 0, 0, 0));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastAttemptAt",
                table: "order_sagas",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "StatusSequence",
                table: "order_sagas",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // Sagas started before this migration numbered their status events by step position; carry
            // on above the last number Ordering may have applied, so their later events still apply.
            migrationBuilder.Sql("""
                UPDATE order_sagas SET "StatusSequence" = CASE "Step"
                    WHEN 'Submitted' THEN 0 WHEN 'StockReserved' THEN 1 WHEN 'PaymentAuthorized' THEN 1
                    WHEN 'Paid' THEN 3 WHEN 'Confirmed' THEN 4 WHEN 'Compensating' THEN 4 ELSE 6 END
                """);

            migrationBuilder.CreateTable(
                name: "early_cancellations",
                columns: table => new
                {
                    OrderId = table.Column<Guid>(type: "uuid", nullable: false),
                    Reason = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_early_cancellations", x => x.OrderId);
                });

            migrationBuilder.CreateIndex(
                name: "ix_order_sagas_due",
                table: "order_sagas",
                column: "NextAttemptAt",
                filter: "\"Step\" <> 'Confirmed' AND \"Step\" <> 'Cancelled'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "early_cancellations");

            migrationBuilder.DropIndex(
                name: "ix_order_sagas_due",
                table: "order_sagas");

            migrationBuilder.DropColumn(
                name: "FailingFor",
                table: "order_sagas");

            migrationBuilder.DropColumn(
                name: "LastAttemptAt",
                table: "order_sagas");

            migrationBuilder.DropColumn(
                name: "StatusSequence",
                table: "order_sagas");

            migrationBuilder.AddColumn<string>(
                name: "PaymentToken",
                table: "order_sagas",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "StepStartedAt",
                table: "order_sagas",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.CreateIndex(
                name: "ix_order_sagas_due",
                table: "order_sagas",
                column: "NextAttemptAt",
                filter: "\"Step\" NOT IN ('Confirmed', 'Cancelled')");
        }
    }
}
