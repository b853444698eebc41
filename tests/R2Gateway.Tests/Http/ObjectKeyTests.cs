using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using R2Gateway.Http;
using R2Gateway.Storage;

namespace R2Gateway.Tests.Http;

public class ObjectKeyTests
{
    private static ObjectKey FromRawTarget(string rawTarget, string path = "/")
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpRequestFeature>(new HttpRequestFeature { RawTarget = rawTarget, Path = path });
        return ObjectKey.FromRequest(context);
    }

    [Theory]
    [InlineData("/a/b.txt?action=get", "a/b.txt")]
    [InlineData("/photos/2026/a.png", "photos/2026/a.png")]
    [InlineData("/a%2Fb", "a/b")]
    [InlineData("/a%2fb", "a/b")]
    [InlineData("/%2E%2E/x", "../x")]
    [InlineData("/../x", "../x")]
    [InlineData("/a/./b//c", "a/./b//c")]
    [InlineData("/a+b", "a+b")]
    [InlineData("/a%20b", "a b")]
    [InlineData("/a%2Bb", "a+b")]
    [InlineData("/%E2%82%AC", "€")]
    [InlineData("/%F0%9F%98%80", "😀")]
    [InlineData("/100%", "100%")]
    [InlineData("/100%2", "100%2")]
    [InlineData("/%zz", "%zz")]
    [InlineData("/a%5Cb", "a\\b")]
    [InlineData("/k?x=%2F", "k")]
    public void The_key_is_the_percent_decoded_raw_path_after_the_first_slash(string rawTarget, string expected)
    {
        FromRawTarget(rawTarget).Value.Should().Be(expected);
    }

    [Fact]
    public void Unencoded_non_ascii_in_the_raw_target_is_kept()
    {
        FromRawTarget("/€/é").Value.Should().Be("€/é");
    }

    [Fact]
    public void Unencoded_non_ascii_outside_the_bmp_in_the_raw_target_is_kept()
    {
        // A surrogate pair must be encoded to UTF-8 as one code point, not one char at a time.
        FromRawTarget("/😀").Value.Should().Be("😀");
    }

    [Theory]
    [InlineData("/%FF")]
    [InlineData("/%C3")]
    [InlineData("/%C3%28")]
    [InlineData("/%ED%A0%80")]
    public void A_path_that_is_not_valid_utf8_once_decoded_is_InvalidArgument(string rawTarget)
    {
        var act = () => FromRawTarget(rawTarget);

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Theory]
    [InlineData("/%00")]
    [InlineData("/a%0Ab")]
    [InlineData("/a%7F")]
    [InlineData("/a%C2%85")]
    public void A_decoded_control_character_is_InvalidArgument(string rawTarget)
    {
        var act = () => FromRawTarget(rawTarget);

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Fact]
    public void A_decoded_key_over_1024_bytes_is_KeyTooLongError()
    {
        var act = () => FromRawTarget("/" + string.Concat(Enumerable.Repeat("%E2%82%AC", 342)));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.KeyTooLongError);
    }

    [Theory]
    [InlineData("http://h:1/k?x", "k")]
    [InlineData("http://h:1/a/b%2Fc", "a/b/c")]
    [InlineData("https://example.com/", "")]
    [InlineData("http://h:1", "")]
    public void An_absolute_form_target_uses_the_path_after_the_authority(string rawTarget, string expected)
    {
        FromRawTarget(rawTarget).Value.Should().Be(expected);
    }

    [Fact]
    public void An_absolute_form_target_with_a_query_but_no_path_has_an_empty_key()
    {
        // The authority ends at '?': the '/' inside the query is not the start of the path.
        FromRawTarget("http://h:1?x=a/b").Value.Should().Be("");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/?action=list")]
    public void The_root_path_is_an_empty_key(string rawTarget)
    {
        var key = FromRawTarget(rawTarget);

        key.IsEmpty.Should().BeTrue();
        key.Value.Should().BeEmpty();
    }

    [Fact]
    public void Without_a_raw_target_the_request_path_is_used()
    {
        FromRawTarget("", "/from/path").Value.Should().Be("from/path");
    }

    [Fact]
    public void Required_on_an_empty_key_is_InvalidArgument()
    {
        var act = () => FromRawTarget("/").Required();

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Fact]
    public void Required_returns_a_valid_key()
    {
        FromRawTarget("/a/b").Required().Should().Be("a/b");
    }
}
