using Microsoft.Playwright;
using R2Gateway.Testing;

namespace R2Gateway.BrowserTests.Infrastructure;

/// <summary>Headless Chromium from Debian's package, driven by Playwright (no browser download).</summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/lib/chromium/chromium";
    private IPlaywright? _playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not at {ChromiumPath}: ./test.sh installs it (apt package chromium).");
        }

        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            ChromiumSandbox = false,
            Args = ["--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>Where screenshots go: artifacts/screenshots at the repository root.</summary>
    public static string Screenshot(string name)
    {
        var dir = Path.Combine(ProcessRunner.RepositoryRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name + ".png");
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserTestGroup : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}
