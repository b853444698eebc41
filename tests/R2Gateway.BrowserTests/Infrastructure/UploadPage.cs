using Microsoft.Playwright;

namespace R2Gateway.BrowserTests.Infrastructure;

/// <summary>The upload page as a person uses it: add files, press Upload, watch, pause, cancel.</summary>
public sealed class UploadPage(IPage page)
{
    public IPage Page => page;

    public async Task OpenAsync(string url)
    {
        await page.GotoAsync(url);
        await page.Locator(".uppy-Dashboard").WaitForAsync();
    }

    public Task AddFilesAsync(params string[] paths) =>
        page.Locator(".uppy-Dashboard-input").First.SetInputFilesAsync(paths);

    public Task StartAsync() => page.Locator(".uppy-StatusBar-actionBtn--upload").ClickAsync();

    public Task<double> ProgressAsync() =>
        page.EvaluateAsync<double>("() => window.r2gateway.uppy.getState().totalProgress");

    public async Task WaitForCompleteAsync(int files = 1)
    {
        await page.WaitForFunctionAsync(
            "n => { const f = window.r2gateway.uppy.getFiles(); return f.length === n && f.every(x => x.progress.uploadComplete); }",
            files, new() { Timeout = 120_000 });
    }

    public Task<string?> ErrorAsync() =>
        page.EvaluateAsync<string?>("() => window.r2gateway.uppy.getFiles().map(f => f.error).find(e => e) ?? null");

    public async Task WaitForObjectRowAsync(string key) =>
        await page.Locator($"#objects tr[data-key='{key}']").WaitForAsync(new() { Timeout = 30_000 });
}
