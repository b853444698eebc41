using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using R2Gateway.FunctionalTests.Events;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>Changes made through the S3 endpoint raise R2's events, delivered to a real receiver.</summary>
public sealed class S3EventsTests
{
    [Fact]
    public async Task CopyObject_raises_a_CopyObject_event_naming_its_source_and_no_PutObject()
    {
        using var receiver = new WebhookReceiver();
        using var s3 = new S3GatewayFixture { ExtraSettings = EventsTests.Settings(receiver) };
        await s3.InitializeAsync();
        using var client = s3.SdkClient(s3.All);
        var data = RandomBytes(4321);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = S3GatewayFixture.Bucket, Key = "ev/source.bin", InputStream = new MemoryStream(data) });
        await client.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = S3GatewayFixture.Bucket, SourceKey = "ev/source.bin", DestinationBucket = S3GatewayFixture.Bucket, DestinationKey = "ev/copy.bin",
        });

        await receiver.WaitForEventsAsync(e => e.Count >= 2, TimeSpan.FromSeconds(20));
        // A third (wrong) event would be sent before the outbox empties.
        await Eventually.Until(() => EventsTests.OutboxIsEmpty(s3.Root), because: "every event was delivered");

        var bodies = receiver.Events().Select(e => e["event"]!.AsObject()).ToList();
        bodies.Select(b => ((string)b["action"]!, (string)b["object"]!["key"]!)).Should().BeEquivalentTo(
            [("PutObject", "ev/source.bin"), ("CopyObject", "ev/copy.bin")]);
        var copy = bodies.Single(b => (string)b["action"]! == "CopyObject");
        ((string)copy["copySource"]!["bucket"]!).Should().Be(S3GatewayFixture.Bucket);
        ((string)copy["copySource"]!["object"]!).Should().Be("ev/source.bin");
        ((long)copy["object"]!["size"]!).Should().Be(data.Length);
        ((string)copy["object"]!["eTag"]!).Should().Be(Md5Hex(data));
        ((string)copy["token"]!).Should().Be("all");
    }

    [Fact]
    public async Task An_event_names_the_bucket_the_change_was_made_in()
    {
        using var receiver = new WebhookReceiver();
        using var s3 = new S3GatewayFixture { ExtraSettings = EventsTests.Settings(receiver) };
        await s3.InitializeAsync();
        using var client = s3.SdkClient(s3.Owner);
        await client.PutBucketAsync("photos");
        await client.PutObjectAsync(new PutObjectRequest { BucketName = "photos", Key = "ev/in-photos.bin", InputStream = new MemoryStream(RandomBytes(10)) });
        await client.PutObjectAsync(new PutObjectRequest { BucketName = S3GatewayFixture.Bucket, Key = "ev/in-default.bin", InputStream = new MemoryStream(RandomBytes(10)) });

        await receiver.WaitForEventsAsync(e => e.Count >= 2, TimeSpan.FromSeconds(20));
        await Eventually.Until(() => EventsTests.OutboxIsEmpty(s3.Root), because: "every event was delivered");
        var bodies = receiver.Events().Select(e => e["event"]!.AsObject()).ToList();
        bodies.Select(b => ((string)b["object"]!["key"]!, (string)b["bucket"]!)).Should().BeEquivalentTo(
            [("ev/in-photos.bin", "photos"), ("ev/in-default.bin", "media")], "the default bucket's events carry Events:Bucket");
    }
}
