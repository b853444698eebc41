using R2Gateway.Events;

namespace R2Gateway.Tests.Events;

public sealed class EventOutboxTests : IDisposable
{
    private readonly DirectoryInfo _pending = Directory.CreateTempSubdirectory("r2gw-outbox-");
    private readonly string _event;

    public EventOutboxTests()
    {
        _event = Path.Combine(_pending.FullName, "20261202135356482-d3dfcd68ba46f2f0.app.json");
        File.WriteAllText(_event, "{}");
    }

    public void Dispose() => _pending.Delete(recursive: true);

    [Fact]
    public void Claiming_an_event_delivered_and_deleted_since_the_listing_finds_nothing_rather_than_failing_the_scan()
    {
        var listed = EventOutbox.List(_pending.FullName).Single();
        File.Delete(_event);

        EventOutbox.TryClaim(listed).Should().BeNull();
    }

    [Fact]
    public void An_event_held_by_another_claim_is_not_claimed_twice()
    {
        using var first = EventOutbox.TryClaim(_event);

        first.Should().NotBeNull();
        EventOutbox.TryClaim(_event).Should().BeNull();
    }
}
