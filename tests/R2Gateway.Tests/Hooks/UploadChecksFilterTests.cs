using R2Gateway.Hooks;

namespace R2Gateway.Tests.Hooks;

public sealed class UploadChecksFilterTests
{
    [Theory]
    [InlineData("image/png", true)]
    [InlineData("IMAGE/JPEG; q=1", true)]
    [InlineData("application/pdf", true)]
    [InlineData("application/pdf; charset=x", true)]
    [InlineData("application/pdfx", false)]
    [InlineData("text/plain", false)]
    [InlineData("imagex/png", false)]
    [InlineData("not a type", false)]
    [InlineData(null, false)]
    public void Allowed_content_types_match_exactly_or_by_a_type_wildcard(string? contentType, bool allowed) =>
        UploadChecksFilter.IsAllowed(contentType, ["image/*", "application/pdf"]).Should().Be(allowed);
}
