using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>The gateway's public OpenAPI document when its backends cannot describe themselves.</summary>
public class PublicApiDocumentTests
{
    [Fact]
    public async Task Without_backend_documents_the_gateway_is_ready_and_serves_a_document_naming_what_is_missing()
    {
        // The testbed's stand-in services answer /openapi/v1.json with 404: no backend can be described.
        await using var gateway = await GatewayTestbed.StartAsync();

        var response = await gateway.GetAsync("/openapi/v1.json");
        var ready = await gateway.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Empty(document["paths"]!.AsObject());
        Assert.Equal(["basket", "catalog", "catalog-write", "identity", "inventory", "ordering"],
            document["info"]!["x-unavailable-backends"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("http", document["components"]!["securitySchemes"]!["Bearer"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
