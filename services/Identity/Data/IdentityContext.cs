using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Identity.Api.Model;
using Identity.Api.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Data;

public sealed class IdentityContext(DbContextOptions<IdentityContext> options) : IdentityDbContext<ApplicationUser>(options)
{
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    // Pinned: otherwise the schema follows IdentityOptions from DI, which the design-time factory does
    // not have, and the migrations would disagree with the model at run time.
    protected override Version SchemaVersion => IdentitySchemaVersions.Version2;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        modelBuilder.Entity<ApplicationUser>(user =>
        {
            user.Property(u => u.Name).HasMaxLength(ProfileLimits.MaxNameLength);
            user.OwnsMany(u => u.Addresses, address =>
            {
                address.ToJson("addresses");
                address.Property(a => a.Street).HasMaxLength(ProfileLimits.MaxStreetLength);
                address.Property(a => a.City).HasMaxLength(ProfileLimits.MaxCityLength);
                address.Property(a => a.PostalCode).HasMaxLength(ProfileLimits.MaxPostalCodeLength);
                address.Property(a => a.Country).HasMaxLength(2);
            });
            // Identity's own email index is not unique (RequireUniqueEmail is checked in code, which races).
            user.HasIndex(u => u.NormalizedEmail).IsUnique();
        });

        modelBuilder.Entity<RefreshToken>(token =>
        {
            token.ToTable("refresh_tokens");
            token.Property(t => t.Id).HasColumnName("id");
            token.Property(t => t.TokenHash).HasColumnName("token_hash");
            token.Property(t => t.FamilyId).HasColumnName("family_id");
            token.Property(t => t.UserId).HasColumnName("user_id");
            token.Property(t => t.CreatedAt).HasColumnName("created_at");
            token.Property(t => t.ExpiresAt).HasColumnName("expires_at");
            token.Property(t => t.UsedAt).HasColumnName("used_at");
            token.Property(t => t.ReplacedById).HasColumnName("replaced_by_id");
            token.Property(t => t.RevokedAt).HasColumnName("revoked_at");
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.FamilyId);
            token.HasIndex(t => t.UserId);
            // For the pruner's delete of expired rows.
            token.HasIndex(t => t.ExpiresAt);
            // A deleted account takes its sessions with it.
            token.HasOne<ApplicationUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.AddOutboxAndInbox();
    }
}

/// <summary>For <c>dotnet ef migrations add</c>.</summary>
internal sealed class IdentityContextDesignTimeFactory : NpgsqlDesignTimeFactory<IdentityContext>;
