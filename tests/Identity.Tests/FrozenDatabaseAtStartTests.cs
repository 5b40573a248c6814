using System.Net;
using System.Net.Http.Json;
using TestSupport;

namespace Identity.Tests;

/// <summary>
/// PostgreSQL frozen (SIGSTOP) while Identity starts: the process starts anyway, answers that it is not ready,
/// and once the database thaws migrates, seeds the administrator and becomes ready, without a restart.
/// </summary>
public sealed class FrozenDatabaseAtStartTests : IAsyncLifetime
{
    private readonly IdentityFixture _fixture = new();

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public async Task DisposeAsync()
    {
        _fixture.Servers.ThawPostgres(); // never leave a stopped process behind, whatever failed
        await _fixture.DisposeAsync();
    }

    [Fact]
    public async Task Identity_started_against_a_frozen_database_reports_not_ready_then_seeds_the_administrator_once_it_thaws()
    {
        // The test's client timeout (2 s) keeps the first attempt short; the production default is 15 s.
        var settings = _fixture.Settings(await _fixture.Servers.CreateDatabaseAsync() + ";Timeout=2");
        await using var app = IdentityFixture.Build(settings);
        using var client = new HttpClient();

        _fixture.Servers.FreezePostgres();
        try
        {
            var start = app.StartAsync();
            await Eventually.TrueAsync(() => start.IsCompleted, "Identity to finish starting while PostgreSQL is frozen", TimeSpan.FromMinutes(1));
            client.BaseAddress = await start;

            using var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("IdentityContext migrations", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            _fixture.Servers.ThawPostgres();
        }

        await Eventually.TrueAsync(async () =>
            (await client.PostAsJsonAsync("/api/identity/login", new { email = IdentityFixture.AdminEmail, password = IdentityFixture.AdminPassword })).IsSuccessStatusCode,
            "the administrator to be seeded once PostgreSQL thawed", TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode,
            "Identity to report ready", TimeSpan.FromMinutes(1));
    }
}
