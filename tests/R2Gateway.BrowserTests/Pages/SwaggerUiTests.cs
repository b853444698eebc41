using System.Text.RegularExpressions;
using R2Gateway.BrowserTests.Infrastructure;
using R2Gateway.Testing;

namespace R2Gateway.BrowserTests.Pages;

/// <summary>Swagger UI at /swagger: a person can try an action from the browser.</summary>
[Trait("Needs", "Browser")]
[Collection(BrowserTestGroup.Name)]
public sealed partial class SwaggerUiTests(Browser browser) : IDisposable
{
    private readonly TempDir _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Trying_get_in_Swagger_UI_reads_the_object_at_the_key_typed_in()
    {
        using var gateway = GatewayFactory.Start(new Dictionary<string, string?> { ["Storage:FileSystem:Root"] = _root.Path });
        await new GatewayApi(gateway.CreateClient()).PutOkAsync("notes/hello.txt", "hello from the bucket"u8.ToArray());
        var page = await browser.Chromium.NewPageAsync();
        await page.GotoAsync($"{gateway.BaseAddress}swagger/index.html");

        var operation = page.Locator(".opblock-get").First;
        await operation.Locator(".opblock-summary").ClickAsync();
        await operation.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Try it out" }).ClickAsync();
        await operation.Locator("input[placeholder='key']").FillAsync("notes/hello.txt");
        await operation.Locator("tr[data-param-name='action'] select").SelectOptionAsync("get");
        await operation.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Execute" }).ClickAsync();
        var requestUrl = await operation.Locator(".request-url pre").First.InnerTextAsync();
        var status = await operation.Locator(".live-responses-table tbody .response-col_status").First.InnerTextAsync();
        var headers = await operation.Locator(".live-responses-table tbody .response-col_description").First.InnerTextAsync();
        await page.ScreenshotAsync(new() { Path = Browser.Screenshot("swagger-try-get"), FullPage = true });

        requestUrl.Should().MatchRegex(ActionUrl());
        status.Trim().Should().Be("200");
        headers.Should().Contain("content-length: 21").And.Contain("etag: \"1c2622f60106e05ca4f34752527af0bc\"", "the md5 of the bytes stored");
    }

    [GeneratedRegex(@"/notes%2Fhello\.txt\?action=get$")]
    private static partial Regex ActionUrl();
}
