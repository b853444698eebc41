using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace R2Gateway.Http;

/// <summary>How Kestrel buffers a connection's bytes: in larger blocks, and no further ahead of the handler than it needs.</summary>
public static class ConnectionBuffers
{
    /// <summary>How far the socket is read ahead of the handler (Kestrel's default: 1 MiB). With
    /// hundreds of uploads in flight this, not the data, would be the gateway's memory.</summary>
    public const int ReadAhead = 256 * 1024;

    public static IServiceCollection AddConnectionBuffers(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>());
        // The socket transport's own limit; Kestrel's MaxRequestBufferSize bounds only the pipes after it.
        services.Configure<SocketTransportOptions>(o => o.MaxReadBufferSize = ReadAhead);
        services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBufferSize = ReadAhead);
        return services;
    }
}

/// <summary>
/// Connection buffers in blocks of <see cref="LargeBlockMemoryPool.BlockSize"/> instead of Kestrel's
/// 4 KiB. Kestrel receives into one block at a time, so with 4 KiB blocks a 1 GiB upload took 540,000
/// <c>recv</c> calls (2 KiB each on loopback) and as many hand-offs to the request's reader: more CPU
/// than anything but MD5. 128 KiB rather than 32: a 1 GiB put took 2.31–2.35 CPU-s against 2.43–2.53
/// (4 interleaved pairs, 2026-12-04); small requests and 200 concurrent parts were unchanged, since an
/// idle connection holds no block. Kestrel takes its pools from <see cref="IMemoryPoolFactory{T}"/>,
/// the supported way to change them; it has no block-size setting.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}

/// <summary>Pinned blocks (a socket operation must not see its buffer move), reused; at most
/// <see cref="MaxIdleBytes"/> wait idle, the rest are left to the GC.</summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 128 * 1024;
    private const int MaxIdleBytes = 32 * 1024 * 1024;
    private readonly ConcurrentQueue<Block> _idle = new();
    private int _idleCount;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_idle.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _idleCount);
            block.Rented = true;
            return block;
        }

        return new Block(this);
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _idleCount) <= MaxIdleBytes / BlockSize)
        {
            _idle.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _idleCount);
        }
    }

    protected override void Dispose(bool disposing) => _idle.Clear();

    private sealed class Block(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        /// <summary>A second Dispose of the same rental must not put the block in the pool twice.</summary>
        public bool Rented { get; set; } = true;

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            if (Rented)
            {
                Rented = false;
                pool.Return(this);
            }
        }
    }
}
