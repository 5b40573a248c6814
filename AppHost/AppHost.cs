using AppHost;
using AppHost.Dapr;
using AppHost.Infrastructure;
using AppHost.Kubernetes;

var builder = DistributedApplication.CreateBuilder(args);

// A starting resource is seen ready within a fraction of a second of it, not after Aspire's back-off of up to 5 s, so
// what waits for it starts sooner (StartupReadiness.cs).
builder.NoticeReadinessPromptly();

// PostgreSQL and Redis: containers where a container runtime works (and when publishing),
// Debian's executables otherwise. Same resource and connection-string names either way.
var infrastructure = builder.AddPlatformInfrastructure();
var redis = infrastructure.Redis;
var identityDb = infrastructure.AddDatabase("identitydb");
var catalogDb = infrastructure.AddDatabase("catalogdb");
var inventoryDb = infrastructure.AddDatabase("inventorydb");
var paymentDb = infrastructure.AddDatabase("paymentdb");
var workflowDb = infrastructure.AddDatabase("workflowdb");
var orderingDb = infrastructure.AddDatabase("orderingdb");

// Identity's private signing key (ECDSA P-256, ES256): only Identity gets it; every other service
// validates with the public key Identity publishes (/.well-known/jwks.json). Generated once and kept with
// the AppHost's user secrets locally; a Kubernetes Secret in a cluster. Never in source.
var identitySigningKey = builder.AddGeneratedSigningKey("identity-signing-key");

// One client secret per service that calls another service's internal routes: Identity knows them all
// and issues each caller short-lived tokens for the audiences (target services) listed here.
IResourceBuilder<ParameterResource> ServiceSecret(string client) => builder.AddParameter($"service-secret-{client}",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);
var orderWorkflowSecret = ServiceSecret("orderworkflow");
var orderingSecret = ServiceSecret("ordering");

// Dapr's app API token: a sidecar sends it (dapr-api-token header) on every call to its app, and event
// routes accept it in place of a service token. The sidecar reads APP_API_TOKEN from the same secret
// (dapr.io/app-token-secret, docs/architecture.md); without a sidecar nobody sends it.
var daprAppToken = builder.AddParameter("dapr-app-api-token",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

// The administrator account Identity seeds. The password is generated on first run (it satisfies the
// password policy) and kept with the user secrets; set Parameters__admin-password to choose one.
var adminEmail = builder.AddParameterWithDefault("admin-email", "admin@ecommerce.local");
var adminPassword = builder.AddParameter("admin-password",
    new GenerateParameterDefault { MinLength = 20, MinLower = 2, MinUpper = 2, MinNumeric = 2, MinSpecial = 2 },
    secret: true, persist: true);

// Gateway rate limits (docs/api.md): load and acceptance tests raise them through Parameters__<name>.
var userPerMinute = builder.AddParameterWithDefault("ratelimit-user-per-minute", "100");
var userPerHour = builder.AddParameterWithDefault("ratelimit-user-per-hour", "1000");
var anonymousPerMinute = builder.AddParameterWithDefault("ratelimit-anonymous-per-minute", "100");
var loginFailuresPerMinute = builder.AddParameterWithDefault("ratelimit-login-failures-per-minute", "5");
var loginFailuresPerIpPerMinute = builder.AddParameterWithDefault("ratelimit-login-failures-per-ip-per-minute", "5");

var identity = builder.AddProject<Projects.Identity_Api>("identity")
    .WithReference(identityDb).WaitFor(identityDb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Jwt__SigningKey", identitySigningKey)
    .WithEnvironment("ServiceClients__orderworkflow__Secret", orderWorkflowSecret)
    .WithEnvironment("ServiceClients__orderworkflow__Audiences__0", "inventory")
    .WithEnvironment("ServiceClients__orderworkflow__Audiences__1", "payment")
    .WithEnvironment("ServiceClients__orderworkflow__Audiences__2", "ordering")
    .WithEnvironment("ServiceClients__ordering__Secret", orderingSecret)
    .WithEnvironment("ServiceClients__ordering__Audiences__0", "basket")
    .WithEnvironment("Identity__Admin__Email", adminEmail)
    .WithEnvironment("Identity__Admin__Password", adminPassword)
    .WithDaprSidecar(daprAppToken)
    .WithHttpHealthCheck("/health/ready");

// Catalog runs as several replicas so the gateway's weighted balancing (3/2/1, the source document's
// example) and its backup pool are exercised locally.
IResourceBuilder<ProjectResource> AddCatalogReplica(string name) =>
    builder.AddProject<Projects.Catalog_Api>(name, options => options.ExcludeLaunchProfile = true)
        .WithHttpEndpoint()
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
        .WithReference(catalogDb).WaitFor(catalogDb)
        .WithReference(redis).WaitFor(redis)
        .WithReference(identity)
        .WithDaprSidecar(daprAppToken)
        .WithHttpHealthCheck("/health/ready");

// How many of them run (Parameters:catalog-replicas, 1-4): locally one per core from 2 to 4, so a small machine runs
// lean and still shows the weighted split; published, one (CatalogReplicas.cs). Read when the model is built, so
// unlike the other parameters it is not resolved later and not shown in the dashboard.
var replicaCount = CatalogReplicas.Count(builder);
CatalogReplicas.LogChoice(builder, replicaCount);
var catalogs = CatalogReplicas.Names.Take(replicaCount).Select(AddCatalogReplica).ToArray();
var catalog = catalogs[0];

// Function apps: where no Functions host exists (here) they run as plain ASP.NET Core processes
// serving the same [Function] methods. Without a launch profile a project has no endpoint, hence
// WithHttpEndpoint().
var inventory = builder.AddProject<Projects.Inventory>("inventory")
    .WithHttpEndpoint()
    .WithReference(identity)
    .WithReference(inventoryDb).WaitFor(inventoryDb)
    .WithReference(redis).WaitFor(redis)
    .WithDaprSidecar(daprAppToken)
    .WithHttpHealthCheck("/health/ready");

var payment = builder.AddProject<Projects.Payment>("payment")
    .WithHttpEndpoint()
    .WithReference(identity)
    .WithReference(paymentDb).WaitFor(paymentDb)
    .WithReference(redis).WaitFor(redis)
    .WithDaprSidecar(daprAppToken)
    .WithHttpHealthCheck("/health/ready");

var orderWorkflow = builder.AddProject<Projects.OrderWorkflow>("orderworkflow")
    .WithHttpEndpoint()
    .WithReference(identity)
    .WithEnvironment("ServiceIdentity__ClientId", "orderworkflow")
    .WithEnvironment("ServiceIdentity__ClientSecret", orderWorkflowSecret)
    .WithReference(workflowDb).WaitFor(workflowDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(inventory)
    .WithReference(payment)
    .WithDaprSidecar(daprAppToken)
    .WithHttpHealthCheck("/health/ready");

var basket = builder.AddProject<Projects.Basket_Api>("basket")
    .WithGrpcEndpoint()
    .WithReference(redis).WaitFor(redis)
    .WithReference(catalog)
    .WithReference(identity)
    .WithDaprSidecar(daprAppToken, DaprSidecarAnnotation.StateStore)
    .WithHttpHealthCheck("/health/ready");

var ordering = builder.AddProject<Projects.Ordering_Api>("ordering")
    .WithReference(orderingDb).WaitFor(orderingDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(basket)
    .WithReference(identity)
    .WithEnvironment("ServiceIdentity__ClientId", "ordering")
    .WithEnvironment("ServiceIdentity__ClientSecret", orderingSecret)
    .WithDaprSidecar(daprAppToken)
    .WithHttpHealthCheck("/health/ready");

// The saga fetches an order's payment token from Ordering when it authorizes (never from an event).
orderWorkflow.WithReference(ordering);

var gateway = builder.AddProject<Projects.Gateway>("gateway")
    // Rate-limit counters, shared by every gateway replica. Not waited for: without Redis each replica
    // counts on its own, and the front door should not wait on it.
    .WithReference(redis)
    .WithReference(identity).WaitFor(identity)
    .WithReference(inventory).WaitFor(inventory)
    .WithReference(basket).WaitFor(basket)
    .WithReference(ordering).WaitFor(ordering)
    .WithEnvironment("RateLimiting__UserPerMinute", userPerMinute)
    .WithEnvironment("RateLimiting__UserPerHour", userPerHour)
    .WithEnvironment("RateLimiting__AnonymousPerMinute", anonymousPerMinute)
    .WithEnvironment("RateLimiting__LoginFailuresPerMinute", loginFailuresPerMinute)
    .WithEnvironment("RateLimiting__LoginFailuresPerIpPerMinute", loginFailuresPerIpPerMinute)
    // Names the replica that served each response (X-Upstream) in local runs; off when published.
    .WithEnvironment("Gateway__ExposeUpstream", builder.ExecutionContext.IsRunMode ? "true" : "false")
    .WithHttpHealthCheck("/health/ready")
    .WithExternalHttpEndpoints()
    .WithReadyMessage("The platform is up. Gateway");

foreach (var replica in catalogs)
{
    gateway.WithReference(replica).WaitFor(replica);
}

// The storefront, served by the gateway at its root: it calls the platform through the gateway's public API,
// as any client does, and the gateway forwards every page request to it.
// The storefront keeps the keys that encrypt its session cookies (which hold shoppers' tokens) in Redis, encrypted
// with this certificate first: whoever can read Redis can neither read a session nor forge one (writing to Redis stays
// restricted to the platform: its password is a secret too).
var storefrontKeyCertificate = builder.AddGeneratedKeyEncryptionCertificate("storefront-key-encryption-certificate",
    "the certificate that encrypts the storefront's Data Protection keys before they are stored in Redis: base64 of a PKCS#12 file " +
    "without a password holding an RSA certificate and its private key, e.g. `openssl req -x509 -newkey rsa:3072 -nodes -days 3650 " +
    "-subj /CN=storefront-keys -keyout key.pem -out cert.pem && openssl pkcs12 -export -inkey key.pem -in cert.pem -passout pass: | base64 -w0` (GNU base64). " +
    "Keep it: with another certificate the stored keys cannot be read and every shopper is signed out.");

var webApp = builder.AddProject<Projects.WebApp>("webapp")
    .WithReference(gateway)
    // Only for the keys that encrypt its session cookies (shared by replicas); its data comes from the API.
    .WithReference(redis)
    .WithEnvironment("Storefront__KeyEncryptionCertificate", storefrontKeyCertificate)
    .WithHttpHealthCheck("/health/ready");
gateway.WithReference(webApp).WaitFor(webApp);

// The gateway's clusters list all four; it leaves out (neither routes to nor probes) the ones not run here.
foreach (var (absent, index) in CatalogReplicas.Names.Skip(replicaCount).Select((name, index) => (name, index)))
{
    gateway.WithEnvironment($"Gateway__ExcludedDestinations__{index}", absent);
}

// The administrators' dead-letter list (/api/admin/deadletters): the gateway asks every service that keeps dead
// letters of its own, with the administrator's token. Local runs only: published, the services run on Dapr and
// the broker keeps them, so the gateway is given no route to Payment or the saga (nor a NetworkPolicy peer).
if (builder.ExecutionContext.IsRunMode)
{
    gateway.WithReference(payment).WithReference(orderWorkflow);
    IResourceBuilder<ProjectResource>[] keepDeadLetters = [catalog, basket, ordering, inventory, payment, orderWorkflow];
    foreach (var (service, index) in keepDeadLetters.Select((service, index) => (service, index)))
    {
        gateway.WithEnvironment($"Gateway__DeadLetters__Services__{index}", service.Resource.Name);
    }

    // How often each service hands its dead letters to their handler again on its own (each replica keeps its own
    // timer; a lock lets one replay at a time). The tests set it long, so that a letter they plant stays listed
    // until they replay it themselves.
    var deadLetterReplayInterval = builder.AddParameterWithDefault("deadletter-replay-interval", "00:05:00");
    foreach (var project in builder.Resources.OfType<ProjectResource>())
    {
        builder.CreateResourceBuilder(project).WithEnvironment("EventBus__DeadLetterReplayInterval", deadLetterReplayInterval);
    }
}

// Services wait only for what they cannot start without (their database, Redis): calls between them are
// made per request, with retries, so they all start at once instead of one healthy hop after another
// (docs/benchmarks.md, warm start). The gateway starts last, once every service is healthy, so "The
// platform is up" means all of it, the function apps behind the event bus included.
gateway.WaitFor(payment).WaitFor(orderWorkflow);

// Share of traces recorded (parent-based: a trace is kept or dropped whole). Every trace by default, for
// the dashboard; a load run, like production, records a fraction (docs/benchmarks.md).
var traceSampling = builder.AddParameterWithDefault("trace-sampling-ratio", "1");

// At most this many new traces a second in each process, whatever the ratio: every trace at the rate a person
// clicks, while under load the telemetry, and the dashboard's writes of it, stop growing with the traffic
// (docs/benchmarks.md: the dashboard took a third of two cores under a read load).
var tracesPerSecond = builder.AddParameterWithDefault("traces-per-second", "10");

// How often each process sends its metrics, in milliseconds. Aspire's default for local runs is every
// second, for live charts: a dozen processes doing that kept the dashboard busy at rest (docs/benchmarks.md).
var metricExportInterval = builder.AddParameterWithDefault("metric-export-interval-ms", "10000");

// How long each process gathers spans and log lines before it sends them, in milliseconds. Aspire's local default
// is a second; each exporter's thread wakes that often even with nothing to send, two per process, and on two
// shared cores a wake-up is what idle CPU is made of (docs/benchmarks.md, at rest). A full batch goes at once.
var telemetryBatchDelay = builder.AddParameterWithDefault("telemetry-batch-delay-ms", "5000");

foreach (var project in builder.Resources.OfType<ProjectResource>())
{
    builder.CreateResourceBuilder(project)
        .WithEnvironment("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
        .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", traceSampling)
        .WithEnvironment("Tracing__TracesPerSecond", tracesPerSecond)
        .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", metricExportInterval)
        .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", telemetryBatchDelay)
        .WithEnvironment("OTEL_BLRP_SCHEDULE_DELAY", telemetryBatchDelay);
}

if (builder.ExecutionContext.IsRunMode)
{
    var randomizedPorts = string.Equals(builder.Configuration["DcpPublisher:RandomizePorts"], "true", StringComparison.OrdinalIgnoreCase);
    foreach (var project in builder.Resources.OfType<ProjectResource>())
    {
        // Locally a dozen .NET processes share a few cores, and PGO's instrumented tier has each of them
        // compile its hot code twice more: minutes of JIT after every start (docs/benchmarks.md). In a
        // cluster each pod has cores of its own and keeps PGO.
        builder.CreateResourceBuilder(project).WithEnvironment("DOTNET_TieredPGO", "0");
        // An idle thread-pool thread spins before it sleeps, in case work comes at once: with a core of
        // its own that saves a wake-up, but a dozen processes spinning on two cores took 15-20 % of the
        // CPU under load, time the process doing the work did not get.
        builder.CreateResourceBuilder(project).WithEnvironment("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0");
        // The JIT recompiles a method, optimised, after its 30th call. Much start-up code runs a few dozen times
        // and never again, so a dozen processes starting on two cores spent a fifth of the start recompiling it.
        // After 300 calls a request's code still reaches the optimised tier within seconds of load, start-up code
        // mostly does not: a fifth less CPU until "The platform is up", the same CPU per order under load
        // (docs/benchmarks.md, warm start). Unlike a longer call-counting delay, every call counts at once.
        builder.CreateResourceBuilder(project).WithEnvironment("DOTNET_TC_CallCountThreshold", "300");

        // DCP puts a TCP proxy in front of every endpoint, so every call between services would cross one
        // more process twice. Services reach each other directly on ports DCP allocates. The gateway, the
        // platform's one documented address, keeps its launch profile's port (5080) and listens on it itself:
        // behind the proxy it served half the requests per second (docs/benchmarks.md, "A product read
        // against a bare YARP hop"). Where the AppHost randomizes ports (the test host, which runs several
        // platforms at once) the gateway keeps the proxy, which is what gives it a port of its own.
        foreach (var endpoint in project.Annotations.OfType<EndpointAnnotation>())
        {
            if (project == gateway.Resource)
            {
                endpoint.IsProxied = randomizedPorts;
                endpoint.TargetPort = randomizedPorts ? null : endpoint.Port;
                continue;
            }

            endpoint.IsProxied = false;
            endpoint.Port = null;
        }
    }

    builder.LaunchProjectsFromBuildOutput();
}

// Locally, a Dapr sidecar beside every Dapr app where daprd is installed (docs/architecture.md, "Dapr").
builder.AddDaprSidecars(infrastructure);

// `aspire publish` writes Kubernetes manifests of this model (docs/architecture.md, "In a cluster").
builder.AddKubernetesPublishing();

builder.Build().Run();
