var app = GatewayApp.Build(args);
app.Run();

/// <summary>Marks this assembly for tests: in .NET 10 every web project's <c>Program</c> is public.</summary>
public sealed class GatewayMarker;
