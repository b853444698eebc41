using R2Gateway.Events;

namespace R2Gateway.Tests.Events;

public sealed class EventOutboxTests
{
    [Fact]
    public void Claiming_an_event_delivered_and_deleted_since_the_listing_finds_nothing_rather_than_failing_the_scan()
    {
        var directory = Directory.CreateTempSubdirectory("r2gw-outbox-");
        try
        {
            var path = Path.Combine(directory.FullName, "20261202135356482-d3dfcd68ba46f2f0.app.json");
            File.WriteAllText(path, "{}");
            var listed = EventOutbox.List(directory.FullName).Single();
            File.Delete(path);

            EventOutbox.TryClaim(listed).Should().BeNull();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_event_held_by_another_claim_is_not_claimed_twice()
    {
        var directory = Directory.CreateTempSubdirectory("r2gw-outbox-");
        try
        {
            var path = Path.Combine(directory.FullName, "20261202135356482-d3dfcd68ba46f2f0.app.json");
            File.WriteAllText(path, "{}");
            using var first = EventOutbox.TryClaim(path);

            first.Should().NotBeNull();
            EventOutbox.TryClaim(path).Should().BeNull();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
