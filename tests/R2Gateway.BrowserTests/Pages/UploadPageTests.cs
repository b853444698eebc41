using System.Net;
using System.Security.Cryptography;
using R2Gateway.BrowserTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using PageOptions = R2Gateway.Http.PageOptions;

namespace R2Gateway.BrowserTests.Pages;

/// <summary>The upload page at / in headless Chromium, against the filesystem store.</summary>
[Trait("Needs", "Browser")]
[Collection(BrowserTestGroup.Name)]
public sealed class UploadPageTests(Browser browser) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDir _root = new();
    private readonly TempDir _files = new();
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _root.Dispose();
        _files.Dispose();
    }

    private (GatewayFactory Gateway, RequestRecorder Recorder) StartGateway(
        Dictionary<string, string?>? settings = null, string? root = null, Action<IServiceCollection>? services = null) =>
        StartGateway(out _, settings, root, services);

    /// <param name="store">What reached the store: the page's S3 requests go to the S3 endpoint, which
    /// <see cref="RequestRecorder"/> (the Worker API's pipeline) never sees.</param>
    private (GatewayFactory Gateway, RequestRecorder Recorder) StartGateway(out StoreRecorder store,
        Dictionary<string, string?>? settings = null, string? root = null, Action<IServiceCollection>? services = null)
    {
        var recorder = new RequestRecorder();
        var storeRecorder = store = new StoreRecorder();
        var all = new Dictionary<string, string?> { ["Storage:FileSystem:Root"] = root ?? _root.Path };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var gateway = GatewayFactory.Start(all, s =>
        {
            recorder.AddTo(s);
            storeRecorder.AddTo(s);
            services?.Invoke(s);
        });
        _owned.Add(gateway);
        return (gateway, recorder);
    }

    private string MakeFile(string name, int size)
    {
        var path = Path.Combine(_files.Path, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    private async Task<UploadPage> OpenAsync(string url)
    {
        var context = await browser.Chromium.NewContextAsync(new() { AcceptDownloads = true });
        var page = new UploadPage(await context.NewPageAsync());
        await page.OpenAsync(url);
        return page;
    }

    // Uppy 6's AwsS3 sends one file's parts one after another (S3Uploader awaits each part); what runs in
    // parallel is files, up to its limit of 6. So "parallel parts" is now parts of several files at once.
    [Fact]
    public async Task Large_files_upload_in_8_MiB_parts_to_the_S3_endpoint_several_at_once_and_arrive_byte_exact()
    {
        var (gateway, recorder) = StartGateway(out var store);
        store.PartDelay = _ => TimeSpan.FromMilliseconds(600); // time for a mid-upload screenshot, and for parts to overlap
        var files = new[] { MakeFile("big-a-24MiB.bin", 24 * MiB), MakeFile("big-b-24MiB.bin", 24 * MiB), MakeFile("big-c-17MiB.bin", 17 * MiB) };
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        var s3Origin = gateway.Services.GetRequiredService<R2Gateway.S3Api.S3ApiServer>().Addresses[0];
        var wire = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Page.Request += (_, request) => wire.Enqueue($"{request.Method} {request.Url}");

        await page.AddFilesAsync(files);
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-ready") });
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getState().totalProgress > 10");
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-mid-upload") });
        await page.WaitForCompleteAsync(files: 3);
        await page.WaitForObjectRowAsync("big-c-17MiB.bin");
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-done") });

        var api = new GatewayApi(gateway.CreateClient());
        foreach (var file in files)
        {
            (await api.GetBytesAsync(Path.GetFileName(file))).Should().Equal(await File.ReadAllBytesAsync(file));
            store.Parts().Where(p => p.Key == Path.GetFileName(file)).Select(p => p.PartNumber).Should().BeEquivalentTo([1, 2, 3], "each file in 8 MiB parts, each sent once");
        }

        store.MaxConcurrentParts.Should().BeGreaterThan(1, "parts of several files go up at once");
        store.Count("CompleteMultipartUpload").Should().Be(3);
        wire.Count(r => r.StartsWith($"PUT {s3Origin}/r2gateway/big-", StringComparison.Ordinal) && r.Contains("partNumber=", StringComparison.Ordinal) && r.Contains("X-Amz-Signature=", StringComparison.Ordinal))
            .Should().Be(9, "the browser sent each part to the S3 endpoint with a presigned URL");
        recorder.Requests.Count(r => r.Action == "s3-sign" && r.Status == 200).Should().Be(15, "the gateway signed each create, part and complete");
        recorder.Requests.Should().NotContain(r => r.Action == "mpu-uploadpart" || r.Action == "mpu-presign-part", "Uppy 6 speaks S3, not the Worker API");
    }

    [Fact]
    public async Task Several_small_files_upload_with_presigned_put_objects()
    {
        var (gateway, recorder) = StartGateway(out var store);
        var files = new[] { MakeFile("a.txt", 1000), MakeFile("b.bin", 200_000), MakeFile("c.bin", 3 * MiB) };
        var page = await OpenAsync(gateway.BaseAddress.ToString());

        await page.AddFilesAsync(files);
        await page.StartAsync();
        await page.WaitForCompleteAsync(files: 3);

        var api = new GatewayApi(gateway.CreateClient());
        foreach (var file in files)
        {
            (await api.GetBytesAsync(Path.GetFileName(file))).Should().Equal(await File.ReadAllBytesAsync(file));
        }

        store.Count("PutObject").Should().Be(3);
        store.Count("CreateMultipartUpload").Should().Be(0, "files up to 8 MiB go in one request");
        recorder.Requests.Count(r => r.Action == "s3-sign" && r.Status == 200).Should().Be(3);
    }

    // Uppy 6's signRequest cannot add headers to the S3 request, so the page no longer sends a
    // checksum for the gateway to check; the list still shows what the store computed and kept.
    [Fact]
    public async Task The_list_shows_the_uploaded_files_content_type_and_checksums_and_other_objects_metadata()
    {
        var (gateway, _) = StartGateway(out var store);
        var api = new GatewayApi(gateway.CreateClient());
        using (var tagged = await api.PutAsync("tagged.txt", [1, 2, 3], r => r.Headers.Add("x-amz-meta-owner", "alice")))
        {
            tagged.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var file = Path.Combine(_files.Path, "whole.txt");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("R2Gateway upload page, Uppy 6. ", 5000)));
        var page = await OpenAsync(gateway.BaseAddress.ToString());

        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.WaitForCompleteAsync();

        store.Count("PutObject").Should().Be(2, "the tagged object's put and the page's");
        var md5 = Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync(file)));
        await page.Page.ClickAsync("#refresh");
        await page.WaitForObjectRowAsync("whole.txt");
        (await page.Page.Locator("#objects tr[data-key='whole.txt'] td.details").InnerTextAsync())
            .Should().Contain("text/plain", "the page sent the file's type as the object's Content-Type").And.Contain($"md5: {md5}");
        (await page.Page.Locator("#objects tr[data-key='tagged.txt'] td.details").InnerTextAsync())
            .Should().Contain("meta owner: alice").And.Contain("md5: ");
    }

    [Fact]
    public async Task Cancel_aborts_the_multipart_upload()
    {
        var (gateway, _) = StartGateway(out var store);
        store.PartDelay = _ => TimeSpan.FromSeconds(3);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.AddFilesAsync(MakeFile("cancelled.bin", 24 * MiB));
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles()[0].s3Multipart?.uploadId");
        var uploadId = await page.Page.EvaluateAsync<string>("() => window.r2gateway.uppy.getFiles()[0].s3Multipart.uploadId");

        await page.Page.Locator(".uppy-StatusBar-actionBtn--cancel, button[title='Cancel'], button[aria-label='Cancel']").First.ClickAsync();

        await Eventually.Until(() => store.Count("AbortMultipartUpload") > 0, TimeSpan.FromSeconds(20), "the page aborted the upload");

        store.Calls.Should().Contain(c => c.Operation == "AbortMultipartUpload" && c.UploadId == uploadId && c.Succeeded, "the page aborted the upload through the S3 endpoint");
        store.Count("CompleteMultipartUpload").Should().Be(0);
        using var client = gateway.CreateClient();
        (await client.GetAsync(GatewayApi.Url("cancelled.bin", "mpu-listparts", $"uploadId={uploadId}"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        Directory.EnumerateDirectories(Path.Combine(_root.Path, "uploads")).Should().BeEmpty();
    }

    /// <summary>Page:GatewayOrigins filled in after the gateways have their ports (read on first use).</summary>
    private static Action<IServiceCollection> ListGateways(List<string> origins) =>
        services => services.PostConfigure<PageOptions>(o => o.GatewayOrigins.AddRange(origins));

    // Issue 11, item 4: the page sends its token to no origin its server does not list.
    [Fact]
    public async Task The_page_never_sends_its_token_to_a_gateway_its_server_does_not_list()
    {
        var (gateway, _) = StartGateway();
        using var otherRoot = new TempDir();
        var (other, otherRecorder) = StartGateway(root: otherRoot.Path);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.Page.EvaluateAsync("() => sessionStorage.setItem('r2gw-token', 'r2gw_secret-session-token')");
        var sent = new System.Collections.Concurrent.ConcurrentBag<string>();
        page.Page.Request += (_, request) =>
        {
            if (request.Headers.ContainsKey("authorization"))
            {
                sent.Add(request.Url);
            }
        };

        await page.OpenAsync($"{gateway.BaseAddress}?gateway={Uri.EscapeDataString(other.BaseAddress.ToString())}");
        await page.Page.Locator("#list-status").Filter(new() { HasText = "Page:GatewayOrigins" }).WaitForAsync();
        await page.AddFilesAsync(MakeFile("stays-home.bin", 1000));
        await page.StartAsync();
        await page.WaitForCompleteAsync();

        otherRecorder.Requests.Should().BeEmpty("the page never called the gateway it was pointed at");
        var otherOrigin = other.BaseAddress.GetLeftPart(UriPartial.Authority);
        sent.Should().NotBeEmpty().And.OnlyContain(url => !url.StartsWith(otherOrigin, StringComparison.Ordinal));
        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("stays-home.bin")).Should().NotBeNull("the upload went to the page's own gateway");
    }

    // Issue 11, item 6: a key starting with '//' is a path on the gateway, never another host.
    [Fact]
    public async Task Delete_of_a_key_starting_with_slashes_goes_to_the_gateway()
    {
        var (gateway, recorder) = StartGateway();
        var api = new GatewayApi(gateway.CreateClient());
        const string key = "//127.0.0.1:1/x";
        foreach (var stored in new[] { key, "up/a/../b" })
        {
            // Slashes as %2F: HttpClient would itself collapse '//' and resolve '..'.
            using var put = await gateway.CreateClient().PutAsync(
                new Uri($"{gateway.BaseAddress.GetLeftPart(UriPartial.Authority)}/{Uri.EscapeDataString(stored)}?action=put"), new ByteArrayContent([1]));
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var page = await OpenAsync(gateway.BaseAddress.ToString());
        var hosts = new System.Collections.Concurrent.ConcurrentBag<string>();
        page.Page.Request += (_, request) => hosts.Add(new Uri(request.Url).Authority);
        await page.WaitForObjectRowAsync(key);
        await page.Page.Locator($"#objects tr[data-key='{key}'] button.delete").ClickAsync();
        await page.Page.Locator($"#objects tr[data-key='{key}']").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        await page.Page.Locator("#objects tr[data-key='up/a/../b'] button.delete").ClickAsync();
        await page.Page.Locator("#objects tr[data-key='up/a/../b']").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });

        hosts.Should().OnlyContain(h => h == gateway.BaseAddress.Authority);
        recorder.Requests.Where(r => r.Action == "delete").Should().HaveCount(2).And.OnlyContain(r => r.Status == 204);
        (await api.ListAsync("prefix="))["objects"]!.AsArray().Should().BeEmpty();
    }

    // Issue 11, item 2 and the page's CSP: an uploaded page never runs as the gateway, and the page cannot be framed.
    [Fact]
    public async Task An_uploaded_html_file_opened_from_the_gateway_does_not_run_and_the_page_cannot_be_framed()
    {
        var (gateway, recorder) = StartGateway();
        await new GatewayApi(gateway.CreateClient()).PutAsync("evil.html", System.Text.Encoding.UTF8.GetBytes("<script>fetch('/?action=list&from=xss')</script>"),
            r => r.Content!.Headers.ContentType = new("text/html"));
        var context = await browser.Chromium.NewContextAsync(new() { AcceptDownloads = true });
        var tab = await context.NewPageAsync();
        try
        {
            await tab.GotoAsync($"{gateway.BaseAddress}evil.html?action=get");
        }
        catch (Microsoft.Playwright.PlaywrightException e) when (e.Message.Contains("Download is starting", StringComparison.Ordinal))
        {
            // served as an attachment: a download, not a page
        }

        // Proving that something does not happen takes a window of time: a script would fetch at once.
        await Eventually.StaysTrue(() => !recorder.Requests.Any(r => r.Action == "list"), TimeSpan.FromSeconds(1), "the uploaded script never ran on the gateway's origin");

        using var client = gateway.CreateClient();
        using var html = await client.GetAsync("/");
        html.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("frame-ancestors 'none'").And.Contain("script-src 'self'");
        html.Headers.GetValues("X-Frame-Options").Should().Equal("DENY");
        // SetContentAsync returns after the load event, which waits for the frame: loaded or refused.
        await tab.SetContentAsync($"<iframe id='f' src='{gateway.BaseAddress}'></iframe>");
        var framed = tab.Frames.Single(f => f != tab.MainFrame);
        framed.Url.Should().NotBe(gateway.BaseAddress.ToString(), "Chromium refused to show the page in a frame (it shows its error page instead)");
        (await framed.Locator(".uppy-Dashboard").CountAsync()).Should().Be(0, "the page refuses to be framed");
    }

    [Fact]
    public async Task The_download_link_is_a_presigned_GET_that_works_and_a_tampered_one_is_refused()
    {
        var (gateway, _) = StartGateway();
        var data = RandomNumberGenerator.GetBytes(300_000);
        await new GatewayApi(gateway.CreateClient()).PutOkAsync("docs/report.bin", data);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.WaitForObjectRowAsync("docs/report.bin");

        var download = await page.Page.RunAndWaitForDownloadAsync(() =>
            page.Page.Locator("#objects tr[data-key='docs/report.bin'] a.download").ClickAsync());

        (await File.ReadAllBytesAsync((await download.PathAsync())!)).Should().Equal(data);
        download.Url.Should().Contain("X-R2GW-Signature=");
        using var client = new HttpClient();
        (await client.GetByteArrayAsync(download.Url)).Should().Equal(data);
        var tampered = download.Url.Replace("docs/report.bin", "docs/report.bim", StringComparison.Ordinal);
        (await client.GetAsync(tampered)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_page_on_another_origin_uploads_when_that_origin_is_allowed()
    {
        using var siteRoot = new TempDir();
        var listed = new List<string>();
        var (site, _) = StartGateway(root: siteRoot.Path, services: ListGateways(listed)); // serves the same page from another origin
        var origin = site.BaseAddress.GetLeftPart(UriPartial.Authority);
        var (gateway, _) = StartGateway(new() { ["Cors:AllowedOrigins:0"] = origin });
        listed.Add(gateway.BaseAddress.GetLeftPart(UriPartial.Authority));
        var file = MakeFile("cross-origin.bin", 12 * MiB);
        var page = await OpenAsync($"{site.BaseAddress}?gateway={Uri.EscapeDataString(gateway.BaseAddress.ToString())}");

        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.WaitForCompleteAsync();

        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("cross-origin.bin")).Should().Equal(await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task A_page_on_an_origin_not_allowed_is_stopped_by_the_browser()
    {
        using var siteRoot = new TempDir();
        var listed = new List<string>();
        var (site, _) = StartGateway(root: siteRoot.Path, services: ListGateways(listed));
        var (gateway, _) = StartGateway(out var store, new() { ["Cors:AllowedOrigins:0"] = "http://127.0.0.1:1" });
        listed.Add(gateway.BaseAddress.GetLeftPart(UriPartial.Authority)); // the page allows it; the gateway's CORS does not
        var page = await OpenAsync($"{site.BaseAddress}?gateway={Uri.EscapeDataString(gateway.BaseAddress.ToString())}");

        await page.AddFilesAsync(MakeFile("refused.bin", 1000));
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles()[0].error", null, new() { Timeout = 30_000 });

        (await page.ErrorAsync()).Should().NotBeNullOrEmpty();
        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("refused.bin")).Should().BeNull();
        store.Count("PutObject").Should().Be(0);
    }

    [Fact]
    public async Task A_reload_mid_upload_resumes_without_sending_finished_parts_again()
    {
        // Uppy 6.0.0's GoldenRetriever now and then restores a state without the uploadId, and the page then
        // rightly starts over. Two causes were found: its saved snapshot flips between a state with and one
        // without the uploadId for a while after the start (the reload below waits that out), and the
        // reload's aborted part requests changed the state it then saved (the page now stops it saving on
        // pagehide: 1 attempt in 5 lost the uploadId over four suite runs, against 5 in 8 before). What is
        // left is the browser side losing its record, not a resume failing, so such a run is done again,
        // with a fresh gateway and page; the assertions below hold for every run that kept the uploadId.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            if (await ReloadMidUploadAsync())
            {
                return;
            }
        }

        Assert.Fail("In three runs the restored page never had the upload's uploadId back from GoldenRetriever.");
    }

    /// <summary>False when the page came back without the uploadId it had saved (nothing to resume).</summary>
    private async Task<bool> ReloadMidUploadAsync()
    {
        var (gateway, _) = StartGateway(out var recorder);
        // Parts 1 and 2 finish at once; the others hang long enough for the reload to cut them off.
        recorder.PartDelay = n => n <= 2 ? TimeSpan.Zero : TimeSpan.FromSeconds(8);
        var file = MakeFile("resumed-40MiB.bin", 40 * MiB);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.AddFilesAsync(file);
        await page.StartAsync();
        await Eventually.Until(() => recorder.Parts().Count() >= 2, TimeSpan.FromSeconds(30), "parts 1 and 2 finished");

        var finishedBeforeReload = recorder.Parts().Select(p => p.PartNumber).ToList();
        finishedBeforeReload.Should().BeEquivalentTo([1, 2]);
        // Nothing of parts 1 and 2 may still be arriving (a retry of the browser's own, on a loaded
        // machine): what the store finishes after the reload is then the resumed upload's alone.
        await Eventually.Until(() => recorder.PartNumbersInFlight.GetValueOrDefault(1) == 0 && recorder.PartNumbersInFlight.GetValueOrDefault(2) == 0,
            TimeSpan.FromSeconds(30), "no part 1 or 2 in flight");

        // GoldenRetriever saves the upload's state (its uploadId) a moment after it changes, in IndexedDB
        // since Uppy 6 ('uppy-blobs', store 'metadata'); a reload before that starts over, as it would for a
        // person. Polled every 100 ms, the saved snapshot at first flips between holding the uploadId and
        // not (a save of a state from before it), so the reload waits until the snapshot has held it for
        // a second.
        await page.Page.WaitForFunctionAsync(
            """
            async () => {
              const id = window.r2gateway.uppy.getFiles()[0]?.s3Multipart?.uploadId;
              const db = await new Promise((ok, fail) => { const r = indexedDB.open('uppy-blobs'); r.onsuccess = () => ok(r.result); r.onerror = fail; });
              const all = await new Promise((ok) => { const r = db.transaction(['metadata']).objectStore('metadata').getAll(); r.onsuccess = () => ok(r.result); });
              db.close();
              window.savedWithUploadId = id && JSON.stringify(all).includes(id) ? (window.savedWithUploadId ?? 0) + 1 : 0;
              return window.savedWithUploadId >= 10;
            }
            """, null, new() { PollingInterval = 100 });

        var partsBeforeReload = recorder.Parts().Count();
        recorder.PartDelay = _ => TimeSpan.Zero;
        await page.Page.ReloadAsync();
        await page.Page.Locator(".uppy-Dashboard").WaitForAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles().length === 1");
        if (!await page.Page.EvaluateAsync<bool>("() => !!window.r2gateway.uppy.getFiles()[0].s3Multipart?.uploadId"))
        {
            return false;
        }

        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-restored-after-reload") });
        await page.StartAsync(); // in a restored state the Upload button confirms the restore, which resumes
        await page.WaitForCompleteAsync();

        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("resumed-40MiB.bin")).Should().Equal(await File.ReadAllBytesAsync(file));
        recorder.Count("CreateMultipartUpload").Should().Be(1, "the same upload was resumed, not started again");
        recorder.Count("ListParts").Should().BeGreaterThan(0, "the resumed upload asked which parts were there");
        var calls = string.Join(", ", recorder.Calls.Select(c => $"{c.Operation} {c.PartNumber} {(c.Succeeded ? "ok" : "failed")}"));
        recorder.Parts().Skip(partsBeforeReload).Select(p => p.PartNumber).Should()
            .BeEquivalentTo([3, 4, 5], $"parts 1 and 2 had finished before the reload, and each other part is sent once after it (store calls: {calls})");
        recorder.Parts().Select(p => p.PartNumber).Distinct().Should().BeEquivalentTo([1, 2, 3, 4, 5]);
        return true;
    }

    [Fact]
    public async Task With_access_control_the_page_asks_for_a_token_and_uploads_with_it()
    {
        const string token = "r2gw_page-token-0123456789abcdefghijklmnopqrs";
        var (gateway, _) = StartGateway(new()
        {
            ["Auth:Tokens:0:Name"] = "page",
            ["Auth:Tokens:0:Hash"] = R2Gateway.Security.TokenHash.Of(token),
            ["Auth:Tokens:0:Prefixes:0"] = "",
            ["Auth:Tokens:0:Can:0"] = "Read",
            ["Auth:Tokens:0:Can:1"] = "Write",
            ["Auth:Tokens:0:Can:2"] = "Presign",
            ["Auth:Tokens:0:Can:3"] = "Delete",
        });
        var file = MakeFile("with-token.bin", 10 * MiB);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.Page.Locator("#list-status").Filter(new() { HasText = "401" }).WaitForAsync();

        await page.Page.Locator("#token").FillAsync(token);
        await page.Page.Locator("#token").DispatchEventAsync("change");
        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.WaitForCompleteAsync();
        await page.WaitForObjectRowAsync("with-token.bin");

        using var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        (await client.GetByteArrayAsync(GatewayApi.Url("with-token.bin", "get"))).Should().Equal(await File.ReadAllBytesAsync(file));
        (await page.Page.EvaluateAsync<string?>("() => localStorage.getItem('r2gw-token')")).Should().BeNull("the token is kept for the tab only");
    }

    [Fact]
    public async Task Pause_stops_sending_parts_and_resume_finishes_the_upload()
    {
        var (gateway, _) = StartGateway(out var recorder);
        recorder.PartDelay = _ => TimeSpan.FromMilliseconds(700);
        var file = MakeFile("paused-48MiB.bin", 48 * MiB);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles()[0].s3Multipart?.uploadId");

        await page.Page.Locator("button[title='Pause']").First.ClickAsync();
        // A part the browser sent before the pause can reach the store late on a loaded machine (the
        // recorder sees it only there): count once nothing has arrived for a second. An upload that
        // kept sending would never get that quiet, and fail here.
        int UploadParts() => recorder.Calls.Count(c => c.Operation == "UploadPart");
        await Eventually.Until(async () =>
        {
            var before = UploadParts();
            await Task.Delay(TimeSpan.FromSeconds(1));
            return recorder.PartsInFlight == 0 && UploadParts() == before;
        }, TimeSpan.FromSeconds(20), "parts already on the wire finished");
        var sentWhilePaused = UploadParts();
        // Proving that nothing is sent takes a window of time: an unpaused upload sends a part at once.
        await Eventually.StaysTrue(() => UploadParts() == sentWhilePaused && recorder.PartsInFlight == 0,
            TimeSpan.FromSeconds(1.5), "a paused upload sends nothing");
        (await page.Page.EvaluateAsync<bool>("() => window.r2gateway.uppy.getFiles()[0].isPaused")).Should().BeTrue();
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-paused") });

        await page.Page.Locator("button[title='Resume']").First.ClickAsync();
        await page.WaitForCompleteAsync();

        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("paused-48MiB.bin")).Should().Equal(await File.ReadAllBytesAsync(file));
        recorder.Count("CreateMultipartUpload").Should().Be(1);
        recorder.Count("ListParts").Should().BeGreaterThan(0, "resume asks the S3 endpoint which parts it has");
    }
}
