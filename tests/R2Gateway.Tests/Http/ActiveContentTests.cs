using R2Gateway.Http;

namespace R2Gateway.Tests.Http;

/// <summary>Which stored content types a browser could run as a page of the gateway's origin; a bare
/// type/subtype is judged without the header parser, and must be judged as the parser would.</summary>
public sealed class ActiveContentTests
{
    [Theory]
    [InlineData("text/html")]
    [InlineData("TEXT/HTML")]
    [InlineData("image/svg+xml")]
    [InlineData("application/xhtml+xml")]
    [InlineData("application/atom+xml")]
    [InlineData("text/xml")]
    [InlineData("text/html; charset=utf-8")]
    [InlineData("Text/Html ;charset=\"utf-8\"")]
    [InlineData("")]
    [InlineData("html")]
    [InlineData("text/")]
    [InlineData("/html")]
    [InlineData("text/html/x")]
    [InlineData("text/html\u0000")]
    public void Active_or_unparsable_types_are_active(string contentType) =>
        ActiveContent.IsActive(contentType).Should().BeTrue();

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("text/plain")]
    [InlineData("IMAGE/PNG")]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("application/json")]
    [InlineData("video/mp4")]
    public void Passive_types_are_not_active(string contentType) =>
        ActiveContent.IsActive(contentType).Should().BeFalse();
}
