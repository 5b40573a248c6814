namespace Aspire.Hosting;

public static class GrpcEndpointExtensions
{
    /// <summary>
    /// Adds an endpoint named "grpc" that speaks HTTP/2 only, beside the project's HTTP/1.1 "http"
    /// endpoint. gRPC over plain HTTP needs HTTP/2 with prior knowledge, which Kestrel only offers on an
    /// HTTP/2-only endpoint; clients reach it through service discovery as <c>http://_grpc.{name}</c>.
    /// Kestrel's endpoints are configured by name, so both keep the ports Aspire allocated.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGrpcEndpoint(this IResourceBuilder<ProjectResource> project)
    {
        project.WithHttpEndpoint(name: "grpc").WithEndpoint("grpc", endpoint => endpoint.Transport = "http2");
        var http = project.GetEndpoint("http");
        var grpc = project.GetEndpoint("grpc");
        // Locally only this machine's loopback; in a pod every interface, or the Service cannot reach it.
        var host = project.ApplicationBuilder.ExecutionContext.IsPublishMode ? "*" : "localhost";
        return project.WithEnvironment(context =>
        {
            context.EnvironmentVariables["Kestrel__Endpoints__http__Url"] =
                ReferenceExpression.Create($"http://{host}:{http.Property(EndpointProperty.TargetPort)}");
            context.EnvironmentVariables["Kestrel__Endpoints__http__Protocols"] = "Http1";
            context.EnvironmentVariables["Kestrel__Endpoints__grpc__Url"] =
                ReferenceExpression.Create($"http://{host}:{grpc.Property(EndpointProperty.TargetPort)}");
            context.EnvironmentVariables["Kestrel__Endpoints__grpc__Protocols"] = "Http2";
        });
    }
}
