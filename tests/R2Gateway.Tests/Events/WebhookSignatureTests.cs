using R2Gateway.Events;

namespace R2Gateway.Tests.Events;

public sealed class WebhookSignatureTests
{
    private const string Secret = "test-secret-0123456789abcdef";

    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_timestamp_dot_body_as_pythons_hmac_computes_it()
    {
        // python3 -c "import hmac,hashlib; print(hmac.new(b'test-secret-0123456789abcdef', b'1700000000.{\"a\":1}', hashlib.sha256).hexdigest())"
        WebhookSignature.Sign(Secret, 1700000000, "{\"a\":1}"u8)
            .Should().Be("sha256=9b8ebd5b30591a4540f6eea35c2cafc8ca96f659bc3b66994554908a236809ca");
    }

    [Fact]
    public void Verify_refuses_another_body_timestamp_or_secret()
    {
        var signature = WebhookSignature.Sign(Secret, 1700000000, "{\"a\":1}"u8);
        WebhookSignature.Verify(Secret, "1700000000", "{\"a\":1}"u8, signature).Should().BeTrue();
        WebhookSignature.Verify(Secret, "1700000000", "{\"a\":2}"u8, signature).Should().BeFalse();
        WebhookSignature.Verify(Secret, "1700000001", "{\"a\":1}"u8, signature).Should().BeFalse();
        WebhookSignature.Verify(Secret + "x", "1700000000", "{\"a\":1}"u8, signature).Should().BeFalse();
        WebhookSignature.Verify(Secret, "-1", "{\"a\":1}"u8, signature).Should().BeFalse();
    }
}
