using R2Gateway.Storage;

namespace R2Gateway.Tests.Storage;

public class ObjectKeysTests
{
    [Fact]
    public void An_empty_key_is_InvalidArgument()
    {
        var act = () => ObjectKeys.Validate("");

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Fact]
    public void A_key_of_exactly_1024_bytes_is_accepted()
    {
        var act = () => ObjectKeys.Validate(new string('k', 1024));

        act.Should().NotThrow();
    }

    [Fact]
    public void A_key_of_1025_bytes_is_KeyTooLongError()
    {
        var act = () => ObjectKeys.Validate(new string('k', 1025));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.KeyTooLongError);
    }

    [Fact]
    public void Key_length_is_counted_in_utf8_bytes_not_chars()
    {
        // 342 chars, but 3 bytes each: 1026 bytes.
        var act = () => ObjectKeys.Validate(new string('€', 342));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.KeyTooLongError);
    }

    [Fact]
    public void A_multibyte_key_of_exactly_1024_utf8_bytes_is_accepted()
    {
        var act = () => ObjectKeys.Validate(new string('€', 341) + "a");

        act.Should().NotThrow();
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("\r")]
    [InlineData("tab\there")]
    [InlineData("del\u007f")]
    [InlineData("nel\u0085")]
    [InlineData("unit separator\u001f")] // the edges of both ranges
    [InlineData("apc\u009f")]
    public void A_key_with_a_control_character_is_InvalidArgument(string key)
    {
        var act = () => ObjectKeys.Validate(key);

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../../etc/passwd")]
    [InlineData("a\\b\\..\\c")]
    [InlineData("/leading/slash")]
    [InlineData("photos/2026/a.png")]
    [InlineData("€uro ünïcödé 😀 日本")]
    [InlineData("a+b %20 ?#&=")]
    [InlineData("space tilde~ nbsp\u00a0")] // just outside the control ranges
    public void Dots_backslashes_slashes_and_unicode_are_legal_in_keys(string key)
    {
        var act = () => ObjectKeys.Validate(key);

        act.Should().NotThrow();
    }
}
