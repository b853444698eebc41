using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace R2Gateway.Testing;

/// <summary>A thin client of the gateway's HTTP contract, as a test would write requests by hand.</summary>
public sealed class GatewayApi(HttpClient client)
{
    public const int MiB = 1024 * 1024;

    public HttpClient Http => client;

    /// <summary>The request path for a key: each character outside the unreserved set percent-encoded,
    /// slashes kept unless <paramref name="encodeSlashes"/>.</summary>
    public static string PathOf(string key, bool encodeSlashes = false) =>
        "/" + (encodeSlashes ? Uri.EscapeDataString(key) : string.Join('/', key.Split('/').Select(Uri.EscapeDataString)));

    public static string Url(string key, string action, string? query = null) =>
        $"{PathOf(key)}?action={action}{(query is null ? "" : "&" + query)}";

    public async Task<string> CreateAsync(string key, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(key, "mpu-create"));
        configure?.Invoke(request);
        using var response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        body!["key"]!.GetValue<string>().Should().Be(key);
        return body["uploadId"]!.GetValue<string>();
    }

    public Task<HttpResponseMessage> UploadPartAsync(string key, string uploadId, int partNumber, byte[] data, byte[]? contentMd5 = null)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentMD5 = contentMd5;
        return client.PutAsync(Url(key, "mpu-uploadpart", $"uploadId={Uri.EscapeDataString(uploadId)}&partNumber={partNumber}"), content);
    }

    public async Task<string> UploadPartOkAsync(string key, string uploadId, int partNumber, byte[] data)
    {
        using var response = await UploadPartAsync(key, uploadId, partNumber, data);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        body!["partNumber"]!.GetValue<int>().Should().Be(partNumber);
        return body["etag"]!.GetValue<string>();
    }

    public Task<HttpResponseMessage> CompleteAsync(string key, string uploadId, IEnumerable<(int PartNumber, string ETag)> parts) =>
        CompleteRawAsync(key, uploadId, JsonSerializer.Serialize(new { parts = parts.Select(p => new { partNumber = p.PartNumber, etag = p.ETag }) }));

    public Task<HttpResponseMessage> CompleteRawAsync(string key, string uploadId, string body) =>
        client.PostAsync(Url(key, "mpu-complete", $"uploadId={Uri.EscapeDataString(uploadId)}"), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>Uploads <paramref name="data"/> in parts of <paramref name="partSize"/> and completes; returns the object's etag.</summary>
    public async Task<string> UploadMultipartAsync(string key, byte[] data, int partSize)
    {
        var uploadId = await CreateAsync(key);
        var parts = new List<(int, string)>();
        for (int offset = 0, n = 1; offset < data.Length; offset += partSize, n++)
        {
            parts.Add((n, await UploadPartOkAsync(key, uploadId, n, data[offset..Math.Min(offset + partSize, data.Length)])));
        }

        using var response = await CompleteAsync(key, uploadId, parts);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return response.Headers.ETag!.Tag.Trim('"');
    }

    public Task<HttpResponseMessage> PutAsync(string key, byte[] data, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, Url(key, "put")) { Content = new ByteArrayContent(data) };
        configure?.Invoke(request);
        return client.SendAsync(request);
    }

    public async Task PutOkAsync(string key, byte[] data)
    {
        using var response = await PutAsync(key, data);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public Task<HttpResponseMessage> GetAsync(string key, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Url(key, "get"));
        configure?.Invoke(request);
        return client.SendAsync(request);
    }

    public async Task<byte[]?> GetBytesAsync(string key)
    {
        using var response = await GetAsync(key);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadAsByteArrayAsync();
    }

    public async Task<JsonObject> ListPartsAsync(string key, string uploadId, string? extra = null)
    {
        using var response = await client.GetAsync(Url(key, "mpu-listparts", $"uploadId={Uri.EscapeDataString(uploadId)}{(extra is null ? "" : "&" + extra)}"));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async Task<JsonObject> ListAsync(string query)
    {
        using var response = await client.GetAsync($"/?action=list&{query}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    public static string Md5Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));

    public static string UniqueKey(string stem = "obj") => $"t/{Guid.NewGuid():N}/{stem}";
}

public static class ProblemAssertions
{
    /// <summary>Asserts a 200 with a JSON body and returns the body.</summary>
    public static async Task<JsonObject> ShouldBeOkAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts a problem+json answer with this status and, when given, code and detail fragment.</summary>
    public static async Task<JsonObject> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? code = null, string? detailContains = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", text);
        var problem = JsonNode.Parse(text)!.AsObject();
        problem["status"]!.GetValue<int>().Should().Be((int)status);
        problem["detail"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace();
        text.Should().NotContain("   at ", "no stack trace reaches a client");
        if (code is not null)
        {
            problem["code"]!.GetValue<string>().Should().Be(code, text);
        }

        if (detailContains is not null)
        {
            problem["detail"]!.GetValue<string>().Should().Contain(detailContains);
        }

        return problem;
    }
}
