using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Http;
using R2Gateway.S3Api;

namespace R2Gateway.Tests.Errors;

public class ErrorModelTests
{
    public static TheoryData<ErrorCode> Codes() => new(Enum.GetValues<ErrorCode>());

    /// <summary>Every factory in <see cref="Error"/>, called with arguments that name the parameter, so
    /// two factories can only give the same message if they hold the same text.</summary>
    public static TheoryData<string> Factories() => new(FactoryMethods().Select(Signature));

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_code_has_a_row_with_error_statuses(ErrorCode code)
    {
        var wire = ErrorCodes.Of(code);
        wire.Status.Should().BeInRange(400, 599);
        wire.S3Status.Should().BeInRange(400, 599);
        wire.S3Code.Should().MatchRegex("^[A-Za-z0-9]+$");
    }

    [Theory]
    [InlineData(ErrorCode.NoSuchUpload, 404, "NoSuchUpload", 404)]
    [InlineData(ErrorCode.NoSuchKey, 404, "NoSuchKey", 404)]
    [InlineData(ErrorCode.EntityTooLarge, 413, "EntityTooLarge", 400)]
    [InlineData(ErrorCode.PreconditionFailed, 412, "PreconditionFailed", 412)]
    [InlineData(ErrorCode.KeyTooLongError, 400, "KeyTooLongError", 400)]
    [InlineData(ErrorCode.Conflict, 409, "OperationAborted", 409)]
    [InlineData(ErrorCode.BadGateway, 502, "ServiceUnavailable", 503)]
    [InlineData(ErrorCode.GatewayTimeout, 504, "ServiceUnavailable", 503)]
    [InlineData(ErrorCode.SlowDown, 429, "SlowDown", 503)]
    [InlineData(ErrorCode.NotImplemented, 501, "NotImplemented", 501)]
    [InlineData(ErrorCode.MissingContentLength, 411, "MissingContentLength", 411)]
    [InlineData(ErrorCode.MalformedXML, 400, "MalformedXML", 400)]
    [InlineData(ErrorCode.SignatureDoesNotMatch, 403, "SignatureDoesNotMatch", 403)]
    public void A_code_answers_as_each_API_did_before(ErrorCode code, int status, string s3Code, int s3Status) =>
        ErrorCodes.Of(code).Should().Be(new ErrorCodes.Wire(status, s3Code, s3Status));

    [Theory]
    [MemberData(nameof(Factories))]
    public async Task A_factory_error_round_trips_through_both_writers(string factory)
    {
        var error = Invoke(FactoryMethods().Single(m => Signature(m) == factory));
        error.Message.Should().NotBeNullOrWhiteSpace();
        var wire = ErrorCodes.Of(error.Code);

        var (problemStatus, problem, problemHeaders) = await WriteAsync(c => ContractErrors.WriteAsync(c, error));
        problemStatus.Should().Be(wire.Status);
        using (var json = JsonDocument.Parse(problem))
        {
            json.RootElement.GetProperty("code").GetString().Should().Be(error.Code.ToString());
            json.RootElement.GetProperty("detail").GetString().Should().Be(error.Message);
            json.RootElement.GetProperty("status").GetInt32().Should().Be(wire.Status);
        }

        var (s3Status, s3, s3Headers) = await WriteAsync(c => S3Xml.WriteErrorAsync(c, error, "/bucket/key"));
        s3Status.Should().Be(wire.S3Status);
        var xml = XDocument.Parse(s3).Root!;
        xml.Name.LocalName.Should().Be("Error");
        xml.Element("Code")!.Value.Should().Be(wire.S3Code);
        xml.Element("Message")!.Value.Should().Be(error.Message);

        foreach (var (name, value) in error.Headers)
        {
            problemHeaders[name].ToString().Should().Be(value);
            s3Headers[name].ToString().Should().Be(value);
        }
    }

    [Fact]
    public void Each_message_is_made_by_one_factory()
    {
        var messages = FactoryMethods().Select(m => (m.Name, Invoke(m).Message)).ToList();
        messages.GroupBy(m => m.Message).Where(g => g.Count() > 1)
            .Should().BeEmpty("each message text lives in one factory");
    }

    [Fact]
    public async Task SlowDown_says_when_to_retry_in_both_APIs()
    {
        var error = Error.SlowDown(7);
        var (_, _, problemHeaders) = await WriteAsync(c => ContractErrors.WriteAsync(c, error));
        var (status, _, s3Headers) = await WriteAsync(c => S3Xml.WriteErrorAsync(c, error, null));
        problemHeaders.RetryAfter.ToString().Should().Be("7");
        s3Headers.RetryAfter.ToString().Should().Be("7");
        status.Should().Be(503);
    }

    [Fact]
    public void A_cause_is_kept_with_the_same_code_message_and_headers()
    {
        var cause = new IOException("disk");
        var error = Error.SlowDown(3).CausedBy(cause);
        error.InnerException.Should().BeSameAs(cause);
        error.Code.Should().Be(ErrorCode.SlowDown);
        error.Headers.Should().ContainKey("Retry-After");
    }

    private static IEnumerable<MethodInfo> FactoryMethods() =>
        typeof(Error).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType == typeof(ContractException));

    private static string Signature(MethodInfo m) => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static ContractException Invoke(MethodInfo factory) =>
        (ContractException)factory.Invoke(null, factory.GetParameters().Select(p => Argument(factory, p)).ToArray())!;

    private static object? Argument(MethodInfo factory, ParameterInfo p) => p.ParameterType switch
    {
        var t when t == typeof(string) => $"{factory.Name}.{p.Name}",
        var t when t == typeof(int) || t == typeof(int?) => 5,
        var t when t == typeof(long) || t == typeof(long?) => 5L,
        var t when t == typeof(Exception) => null,
        var t when t == typeof(IReadOnlyList<string>) || t == typeof(IEnumerable<string>) => new[] { "A", "B" },
        var t => throw new InvalidOperationException($"No test argument for {t} in {factory.Name}"),
    };

    private static async Task<(int Status, string Body, IHeaderDictionary Headers)> WriteAsync(Func<HttpContext, Task> write)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = "GET";
        var body = new MemoryStream();
        context.Response.Body = body;
        await write(context);
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(body.ToArray()), context.Response.Headers);
    }
}
