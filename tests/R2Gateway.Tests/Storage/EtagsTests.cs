using R2Gateway.Storage;

namespace R2Gateway.Tests.Storage;

public class EtagsTests
{
    [Fact]
    public void Multipart_etag_matches_the_known_answer_from_the_contract()
    {
        Etags.Multipart(["bce6bf66aeb76c7040fdd5f4eccb78e6", "8165449fc15bbf43d3b674595cbcc406"])
            .Should().Be("f77dc0eecdebcd774a2a22cb393ad2ff-2");
    }

    [Theory]
    [InlineData("\"ABCDEF0123456789abcdef0123456789\"", "abcdef0123456789abcdef0123456789")]
    [InlineData("W/\"abc\"", "abc")]
    [InlineData("  abc  ", "abc")]
    public void Normalize_strips_quotes_weak_prefix_and_case(string sent, string expected)
    {
        Etags.Normalize(sent).Should().Be(expected);
    }
}
