using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using R2Gateway.Http;

namespace R2Gateway.Tests.Http;

public class ConnectionBuffersTests
{
    [Fact]
    public void Kestrel_receives_into_128_KiB_blocks_whatever_size_it_asks_for()
    {
        using var pool = new LargeBlockMemoryPoolFactory().Create();

        pool.MaxBufferSize.Should().Be(128 * 1024);
        foreach (var size in new[] { -1, 1, 2048, 4096, 128 * 1024 })
        {
            using var block = pool.Rent(size);
            block.Memory.Length.Should().Be(128 * 1024);
        }
    }

    [Fact]
    public void A_returned_block_is_reused_and_a_second_dispose_does_not_hand_it_out_twice()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent();
        var array = first.Memory;
        first.Dispose();
        first.Dispose();

        using var again = pool.Rent();
        using var other = pool.Rent();
        again.Memory.Equals(array).Should().BeTrue("the idle block is reused");
        other.Memory.Equals(array).Should().BeFalse("it was pooled once, so only one rental gets it");
    }

    [Fact]
    public void At_most_32_MiB_of_blocks_wait_idle()
    {
        using var pool = new LargeBlockMemoryPool();
        var blocks = Enumerable.Range(0, 300).Select(_ => pool.Rent()).ToList();
        var arrays = blocks.Select(b => b.Memory).ToList();
        blocks.ForEach(b => b.Dispose());

        var reused = Enumerable.Range(0, 300).Select(_ => pool.Rent()).Count(b => arrays.Any(a => a.Equals(b.Memory)));
        reused.Should().Be(32 * 1024 * 1024 / LargeBlockMemoryPool.BlockSize);
    }

    [Fact]
    public void A_request_for_more_than_a_block_is_refused()
    {
        using var pool = new LargeBlockMemoryPool();
        pool.Invoking(p => p.Rent(LargeBlockMemoryPool.BlockSize + 1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task The_gateway_reads_at_most_256_KiB_of_a_request_ahead_of_its_handler_in_large_blocks()
    {
        await using var app = GatewayApp.CreateBuilder([]).Build();
        var services = app.Services;

        services.GetRequiredService<IMemoryPoolFactory<byte>>().Should().BeOfType<LargeBlockMemoryPoolFactory>();
        services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.MaxReadBufferSize.Should().Be(256 * 1024);
        services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxRequestBufferSize.Should().Be(256 * 1024);
    }
}
