using System.Text.Json;
using System.Text.RegularExpressions;
using TestSupport;

namespace IntegrationTests;

/// <summary>What `./platform.sh up` hands the AppHost, which it starts as its own executable rather than through `dotnet run`.</summary>
public partial class PlatformScriptTests
{
    [Fact]
    public void Up_gives_the_AppHost_every_setting_of_its_http_launch_profile()
    {
        using var launchSettings = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("AppHost", "Properties", "launchSettings.json")));
        var profile = launchSettings.RootElement.GetProperty("profiles").GetProperty("http");
        var expected = profile.GetProperty("environmentVariables").EnumerateObject()
            .ToDictionary(variable => variable.Name, variable => variable.Value.GetString());
        expected["ASPNETCORE_URLS"] = profile.GetProperty("applicationUrl").GetString();

        var script = File.ReadAllText(RepositoryFiles.PathOf("platform.sh"));
        var exported = Assignment().Matches(script).ToDictionary(match => match.Groups["name"].Value, match => (string?)match.Groups["value"].Value);

        Assert.All(expected, setting => Assert.True(exported.TryGetValue(setting.Key, out var value) && value == setting.Value,
            $"platform.sh sets {setting.Key}={(exported.TryGetValue(setting.Key, out var v) ? v : "(nothing)")}, the launch profile {setting.Value}"));
    }

    [GeneratedRegex(@"\b(?<name>(?:ASPNETCORE|DOTNET|ASPIRE)_[A-Z_]+)=(?<value>[^\s\\]+)")]
    private static partial Regex Assignment();
}
