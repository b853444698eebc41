using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration.Json;

namespace R2Gateway.Tests;

public class GatewayAppTests
{
    private static List<JsonConfigurationSource> SettingsFiles(params string[] args)
    {
        var builder = GatewayApp.CreateBuilder(args);
        return [.. builder.Configuration.Sources.OfType<JsonConfigurationSource>()];
    }

    [Fact]
    public void The_settings_files_are_read_once_so_no_watcher_sees_the_stores_writes_under_the_content_root()
    {
        SettingsFiles().Select(s => s.Path).Should().Contain("appsettings.json");
        SettingsFiles().Should().OnlyContain(s => !s.ReloadOnChange);
    }

    [Fact]
    public void An_operator_can_still_ask_for_the_settings_to_be_watched()
    {
        SettingsFiles("--hostBuilder:reloadConfigOnChange=true").Should().OnlyContain(s => s.ReloadOnChange);
    }

    [Fact]
    public void The_published_runtime_settings_shorten_the_thread_pools_idle_spinning()
    {
        // The gateway's runtimeconfig.json is copied beside the tests with the project reference.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "R2Gateway.runtimeconfig.json")))!;
        config["runtimeOptions"]!["configProperties"]!["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!.GetValue<int>()
            .Should().Be(10, "the runtime's 70 cost a 1 GiB put 10 % of its time on two cores (docs/benchmarks.md)");
    }
}
