using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Events;

/// <summary>The README's ten-line receiver, run as written: it prints the gateway's events and refuses a bad signature.</summary>
public sealed partial class ReadmeReceiverTests
{
    private const string Secret = "a long random secret for the README";

    [Fact]
    public async Task The_READMEs_receiver_verifies_the_gateways_signature_and_refuses_a_forged_one()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var script = ReceiverBlock().Match(readme).Groups[1].Value;
        script.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.Should().BeLessThanOrEqualTo(12);
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "receiver.py"), script);
        var port = FreePort.Next();

        var start = new ProcessStartInfo("python3", Path.Combine(dir.Path, "receiver.py")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["R2GW_WEBHOOK_SECRET"] = Secret;
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var receiver = Process.Start(start)!;
        var lines = new List<string>();
        receiver.OutputDataReceived += (_, e) => { lock (lines) { if (e.Data is not null) { lines.Add(e.Data); } } };
        receiver.BeginOutputReadLine();
        receiver.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient();
            var url = $"http://127.0.0.1:{port}/";
            // python may take seconds to start on a busy machine
            var forged = await Eventually.Until(
                async () =>
                {
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{}") };
                        request.Headers.Add("X-R2GW-Timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                        request.Headers.Add("X-R2GW-Signature", "sha256=" + new string('0', 64));
                        using var response = await http.SendAsync(request);
                        return response.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return (HttpStatusCode)0;
                    }
                },
                status => status != 0,
                TimeSpan.FromSeconds(60),
                "the README's receiver answered");
            forged.Should().Be(HttpStatusCode.Unauthorized);
            using var gateway = new FileSystemGateway();
            using var withEvents = FileSystemGateway.OnRoot(gateway.Root, new Dictionary<string, string?>
            {
                ["Events:Webhooks:0:Url"] = url,
                ["Events:Webhooks:0:Secret"] = Secret,
            });
            await new GatewayApi(withEvents.Client).PutOkAsync("a.txt", RandomBytes(5));
            await Eventually.Until(() => Printed(lines), TimeSpan.FromSeconds(20), "the receiver printed the event it verified");
        }
        finally
        {
            receiver.Kill();
            await receiver.WaitForExitAsync();
        }
    }

    private static bool Printed(List<string> lines)
    {
        lock (lines)
        {
            return lines.Any(l => l.EndsWith(" PutObject a.txt", StringComparison.Ordinal));
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "README.md")) || !Directory.Exists(Path.Combine(dir.FullName, "src")))
        {
            dir = dir.Parent ?? throw new InvalidOperationException("README.md not found above the test binaries.");
        }

        return dir.FullName;
    }

    [GeneratedRegex("<!-- events-receiver -->\\s*```python\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReceiverBlock();
}
