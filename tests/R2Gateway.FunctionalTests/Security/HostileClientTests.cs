using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>
/// What a hostile or careless client found (issue 11), against both stores: every answer is a clear
/// 4xx or the right success, never a 500, and nothing one client stores can break another's reads.
/// Store-specific findings are in <see cref="HostileClientFileSystemTests"/>.
/// </summary>
public abstract class HostileClientTests(IGatewayFixture gateway)
{
    protected IGatewayFixture Gateway { get; } = gateway;

    protected GatewayApi Api { get; } = new(gateway.Client);

    /// <summary>A request written byte for byte (HttpClient will not send raw UTF-8 or control bytes in a header).</summary>
    protected async Task<(int Status, string Head, string Body)> SendRawAsync(string method, string target, string extraHeaders, byte[]? body = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Gateway.BaseAddress.Host, Gateway.BaseAddress.Port);
        var stream = client.GetStream();
        var head = new List<byte>();
        head.AddRange(Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {body?.Length ?? 0}\r\n"));
        head.AddRange(Encoding.UTF8.GetBytes(extraHeaders)); // raw UTF-8, as a careless client sends it
        head.AddRange("\r\n"u8.ToArray());
        await stream.WriteAsync(head.ToArray());
        if (body is not null)
        {
            await stream.WriteAsync(body);
        }

        using var reader = new StreamReader(stream, Encoding.Latin1);
        var text = await reader.ReadToEndAsync();
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        return (status, split < 0 ? text : text[..split], split < 0 ? "" : text[(split + 4)..]);
    }

    // Found beside the list: a client refused before "100 Continue" may never send its body; the
    // gateway must not read the next request's bytes as that body.

    [Fact]
    public async Task A_request_refused_before_100_Continue_closes_the_connection_so_the_next_request_is_not_eaten()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Gateway.BaseAddress.Host, Gateway.BaseAddress.Port);
        var stream = client.GetStream();
        var refused = $"PUT /{UniqueKey("continue")}?action=put HTTP/1.1\r\nHost: test\r\nContent-Length: 20\r\nExpect: 100-continue\r\n"
            + $"Content-Disposition: {new string('x', 9000)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(refused));

        var head = new StringBuilder();
        var buffer = new byte[65536];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            read.Should().BePositive("the gateway answers the refused request");
            head.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        var answer = head.ToString();
        answer.Should().StartWith("HTTP/1.1 400");
        answer[..answer.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Should().ContainEquivalentOf("Connection: close",
            "the body was never sent, so the connection cannot carry another request");
    }

    // Items 1 and 3: metadata is checked when it is written, so what is stored can always be read.

    [Fact]
    public async Task Metadata_over_8_KiB_is_refused_on_put_and_mpu_create_and_listing_keeps_working()
    {
        var key = UniqueKey();
        var huge = string.Concat(Enumerable.Repeat("<>&'\"+", 20_000 / 6));
        using var put = await Api.PutAsync(key, [1, 2, 3], r => r.Content!.Headers.TryAddWithoutValidation("Content-Disposition", huge));
        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MetadataTooLarge", "8192");

        using var create = new HttpRequestMessage(HttpMethod.Post, Url(key, "mpu-create"));
        create.Headers.TryAddWithoutValidation("Cache-Control", huge);
        using var created = await Gateway.Client.SendAsync(create);
        await created.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MetadataTooLarge");

        (await Api.GetBytesAsync(key)).Should().BeNull("nothing was stored");
        (await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}"))["objects"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task Metadata_of_8_KiB_of_characters_JSON_escapes_is_stored_and_read_back()
    {
        var key = UniqueKey();
        var big = "attachment; filename=\"" + new string('<', 8000) + "\"";
        using (var put = await Api.PutAsync(key, [1, 2, 3], r => r.Content!.Headers.TryAddWithoutValidation("Content-Disposition", big)))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }

        using var get = await Api.GetAsync(key);
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        get.Content.Headers.GetValues("Content-Disposition").Single().Should().Be(big);
        (await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}"))["objects"]!.AsArray().Should().ContainSingle();
    }

    [Theory]
    [InlineData("Content-Disposition: attachment; filename=\"café.pdf\"")]
    [InlineData("Content-Type: text/plain\u0001")]
    [InlineData("Content-Language: d\u00e9")]
    public async Task Non_ASCII_or_control_bytes_in_metadata_are_refused_at_write_time(string header)
    {
        var key = UniqueKey();
        var put = await SendRawAsync("PUT", Url(key, "put"), header + "\r\n", [1, 2, 3]);
        put.Status.Should().Be(400, put.Body);
        var create = await SendRawAsync("POST", Url(key, "mpu-create"), header + "\r\n");
        create.Status.Should().Be(400, create.Body);

        // Whatever was answered, the key stays readable and listing works.
        var get = await SendRawAsync("GET", Url(key, "get"), "");
        get.Status.Should().Be(404);
        (await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}"))["objects"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task A_UTF_8_file_name_sent_as_RFC_8187_is_kept()
    {
        var key = UniqueKey();
        const string disposition = "attachment; filename*=UTF-8''caf%C3%A9.pdf";
        using (var put = await Api.PutAsync(key, [1], r => r.Content!.Headers.TryAddWithoutValidation("Content-Disposition", disposition)))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var get = await Api.GetAsync(key);
        get.Content.Headers.ContentDisposition!.FileNameStar.Should().Be("café.pdf");
    }

    // Item 2: an object is never active content on the gateway's origin.

    [Theory]
    [InlineData("text/html; charset=utf-8", "<script>fetch('/?action=list')</script>")]
    [InlineData("image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")]
    [InlineData("application/xhtml+xml", "<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>")]
    public async Task Active_content_is_served_sandboxed_as_an_attachment(string contentType, string body)
    {
        var key = UniqueKey("page.html");
        using (var put = await Api.PutAsync(key, Encoding.UTF8.GetBytes(body), r =>
        {
            r.Content!.Headers.TryAddWithoutValidation("Content-Type", contentType);
            r.Content!.Headers.TryAddWithoutValidation("Content-Disposition", "inline; filename=\"page.html\"");
        }))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var get = await Gateway.Client.SendAsync(new HttpRequestMessage(method, Url(key, "get")));
            get.StatusCode.Should().Be(HttpStatusCode.OK);
            get.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
            get.Headers.GetValues("Content-Security-Policy").Single().Should().StartWith("sandbox");
            get.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
            get.Content.Headers.ContentDisposition.FileName.Should().Be("page.html");
        }
    }

    [Fact]
    public async Task Passive_content_keeps_its_disposition_and_is_never_sniffed()
    {
        var key = UniqueKey("a.png");
        using (var put = await Api.PutAsync(key, [0x89, 0x50], r =>
        {
            r.Content!.Headers.TryAddWithoutValidation("Content-Type", "image/png");
            r.Content!.Headers.TryAddWithoutValidation("Content-Disposition", "inline");
        }))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var get = await Api.GetAsync(key);
        get.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        get.Headers.Contains("Content-Security-Policy").Should().BeFalse();
        get.Content.Headers.ContentDisposition!.DispositionType.Should().Be("inline");
    }

    // Item 6: no key makes a presigned URL leave the gateway (or the bucket).

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("//127.0.0.1:9/x")]
    public async Task A_key_starting_with_slashes_never_makes_a_url_for_another_host(string key)
    {
        // Absolute, so that the client does not itself read '//evil.example' as an authority.
        var target = new Uri($"{Gateway.BaseAddress.GetLeftPart(UriPartial.Authority)}/{key}?action=presign");
        target.AbsolutePath.Should().StartWith("///");
        using var presign = await Gateway.Client.PostAsJsonAsync(target, new { method = "PUT" });
        var text = await presign.Content.ReadAsStringAsync();
        ((int)presign.StatusCode).Should().BeOneOf([200, 400], text);
        text.Should().NotContain("evil.example/x?").And.NotContain("://127.0.0.1:9");
        if (presign.StatusCode == HttpStatusCode.OK)
        {
            var url = new Uri(JsonNode.Parse(text)!["url"]!.GetValue<string>());
            url.Host.Should().NotBe("evil.example").And.NotBe("127.0.0.1:9");
        }
    }

    // Item 15: RFC 9110 on ranges and preconditions.

    [Fact]
    public async Task A_range_of_an_unknown_unit_is_ignored()
    {
        var key = UniqueKey();
        await Api.PutOkAsync(key, [1, 2, 3, 4]);
        using var get = await Api.GetAsync(key, r => r.Headers.TryAddWithoutValidation("Range", "items=0-1"));
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(1, 2, 3, 4);
    }

    [Fact]
    public async Task If_None_Match_is_evaluated_after_an_If_Match_that_holds()
    {
        var key = UniqueKey();
        await Api.PutOkAsync(key, [1, 2, 3]);
        var etag = $"\"{Md5Hex([1, 2, 3])}\"";
        using var both = await Api.GetAsync(key, r =>
        {
            r.Headers.TryAddWithoutValidation("If-Match", etag);
            r.Headers.TryAddWithoutValidation("If-None-Match", etag);
        });
        both.StatusCode.Should().Be(HttpStatusCode.NotModified);

        using var failed = await Api.GetAsync(key, r =>
        {
            r.Headers.TryAddWithoutValidation("If-Match", "\"0123\"");
            r.Headers.TryAddWithoutValidation("If-None-Match", etag);
        });
        failed.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);

        using var holds = await Api.GetAsync(key, r =>
        {
            r.Headers.TryAddWithoutValidation("If-Match", etag);
            r.Headers.TryAddWithoutValidation("If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"); // ignored when If-Match is sent
        });
        holds.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}

[Trait("Needs", "S3")]
public sealed class HostileClientS3Tests(S3Gateway gateway) : HostileClientTests(gateway), IClassFixture<S3Gateway>
{
    [Fact]
    public async Task Presign_refuses_a_key_the_S3_SDK_would_rewrite()
    {
        using var presign = await Gateway.Client.PostAsJsonAsync(new Uri(Gateway.BaseAddress, "/%2Fother/x?action=presign"), new { method = "GET" });
        await presign.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", "'/'");
    }
}
