using AppHost.Infrastructure;
using Microsoft.Extensions.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL and Redis: containers where a container runtime works (and when publishing),
// Debian's executables otherwise. Same resource and connection-string names either way.
var infrastructure = builder.AddPlatformInfrastructure();
var redis = infrastructure.Redis;
var catalogDb = infrastructure.AddDatabase("catalogdb");
var inventoryDb = infrastructure.AddDatabase("inventorydb");
var paymentDb = infrastructure.AddDatabase("paymentdb");
var workflowDb = infrastructure.AddDatabase("workflowdb");
var orderingDb = infrastructure.AddDatabase("orderingdb");

// Signs and validates access tokens. Generated once and kept with the AppHost's user secrets locally;
// a Kubernetes Secret in a cluster. Never in source.
var jwtSigningKey = builder.AddParameter("jwt-signing-key",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

var catalog = builder.AddProject<Projects.Catalog_Api>("catalog")
    .WithReference(catalogDb).WaitFor(catalogDb)
    .WithReference(redis).WaitFor(redis)
    .WithHttpHealthCheck("/health/ready");

// Function apps: where no Functions host exists (here) they run as plain ASP.NET Core processes
// serving the same [Function] methods. Without a launch profile a project has no endpoint, hence
// WithHttpEndpoint().
var inventory = builder.AddProject<Projects.Inventory>("inventory")
    .WithHttpEndpoint()
    .WithReference(inventoryDb).WaitFor(inventoryDb)
    .WithReference(redis).WaitFor(redis)
    .WithHttpHealthCheck("/health/ready");

var payment = builder.AddProject<Projects.Payment>("payment")
    .WithHttpEndpoint()
    .WithReference(paymentDb).WaitFor(paymentDb)
    .WithReference(redis).WaitFor(redis)
    .WithHttpHealthCheck("/health/ready");

builder.AddProject<Projects.OrderWorkflow>("orderworkflow")
    .WithHttpEndpoint()
    .WithReference(workflowDb).WaitFor(workflowDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(inventory).WaitFor(inventory)
    .WithReference(payment).WaitFor(payment)
    .WithHttpHealthCheck("/health/ready");

var basket = builder.AddProject<Projects.Basket_Api>("basket")
    .WithGrpcEndpoint()
    .WithReference(redis).WaitFor(redis)
    .WithReference(catalog).WaitFor(catalog)
    .WithEnvironment("Jwt__SigningKey", jwtSigningKey)
    .WithHttpHealthCheck("/health/ready");

var ordering = builder.AddProject<Projects.Ordering_Api>("ordering")
    .WithReference(orderingDb).WaitFor(orderingDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(basket).WaitFor(basket)
    .WithEnvironment("Jwt__SigningKey", jwtSigningKey)
    .WithHttpHealthCheck("/health/ready");

builder.AddProject<Projects.Gateway>("gateway")
    .WithReference(catalog).WaitFor(catalog)
    .WithReference(inventory).WaitFor(inventory)
    .WithReference(basket).WaitFor(basket)
    .WithReference(ordering).WaitFor(ordering)
    .WithHttpHealthCheck("/health/ready")
    .WithExternalHttpEndpoints()
    .WithReadyMessage("The platform is up. Gateway");

builder.Build().Run();
