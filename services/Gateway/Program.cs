var app = GatewayApp.Build(args);
app.Run();
