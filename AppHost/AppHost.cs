using AppHost.Infrastructure;
using Microsoft.Extensions.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL and Redis: containers where a container runtime works (and when publishing),
// Debian's executables otherwise. Same resource and connection-string names either way.
var infrastructure = builder.AddPlatformInfrastructure();
var catalogDb = infrastructure.AddDatabase("catalogdb");
var redis = infrastructure.Redis;

var catalog = builder.AddProject<Projects.Catalog_Api>("catalog")
    .WithReference(catalogDb).WaitFor(catalogDb)
    .WithReference(redis).WaitFor(redis)
    .WithHttpHealthCheck("/health/ready");

builder.AddProject<Projects.Gateway>("gateway")
    .WithReference(catalog).WaitFor(catalog)
    .WithHttpHealthCheck("/health/ready")
    .WithExternalHttpEndpoints()
    .WithReadyMessage("The platform is up. Gateway");

builder.Build().Run();
