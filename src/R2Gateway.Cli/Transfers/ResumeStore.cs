using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace R2Gateway.Cli.Transfers;

/// <summary>An unfinished multipart upload of one file version to one key of one gateway.</summary>
public sealed record SavedUpload(string Endpoint, string Key, string File, long Size, DateTime ModifiedUtc, string UploadId, long PartSize, DateTimeOffset Created);

/// <summary>
/// Small JSON files under $XDG_STATE_HOME/r2gw/uploads (or ~/.local/state/r2gw/uploads) that make an
/// interrupted upload resumable by running the same command again. One file per (endpoint, key, file
/// path, size, mtime): a changed file starts a new upload instead of mixing versions.
/// </summary>
public sealed class ResumeStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Directory { get; } = directory;

    public static string DefaultDirectory
    {
        get
        {
            var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            if (string.IsNullOrEmpty(stateHome))
            {
                stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            }

            return Path.Combine(stateHome, "r2gw");
        }
    }

    public static SavedUpload Describe(Uri endpoint, string key, FileInfo file, string uploadId, long partSize) =>
        new(endpoint.ToString(), key, file.FullName, file.Length, file.LastWriteTimeUtc, uploadId, partSize, DateTimeOffset.UtcNow);

    /// <summary>The saved upload of this very file version to this key, if any (a corrupt state file counts as none).</summary>
    public SavedUpload? Find(Uri endpoint, string key, FileInfo file)
    {
        var probe = Describe(endpoint, key, file, "", 0);
        var path = PathOf(probe);
        try
        {
            var saved = File.Exists(path) ? JsonSerializer.Deserialize<SavedUpload>(File.ReadAllText(path), Json) : null;
            return saved is not null && PathOf(saved) == path && saved.Key == key ? saved : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(SavedUpload upload)
    {
        System.IO.Directory.CreateDirectory(UploadsDirectory);
        var path = PathOf(upload);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(upload, Json));
        File.Move(temp, path, overwrite: true);
    }

    public void Forget(SavedUpload upload) => File.Delete(PathOf(upload));

    /// <summary>Forgets every saved upload with this id (after an explicit abort).</summary>
    public void Forget(string uploadId)
    {
        if (!System.IO.Directory.Exists(UploadsDirectory))
        {
            return;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(UploadsDirectory, "*.json"))
        {
            if (File.ReadAllText(path).Contains($"\"{uploadId}\"", StringComparison.Ordinal))
            {
                File.Delete(path);
            }
        }
    }

    private string UploadsDirectory => Path.Combine(Directory, "uploads");

    private string PathOf(SavedUpload upload)
    {
        var identity = string.Join('\n', upload.Endpoint, upload.Key, upload.File, upload.Size, upload.ModifiedUtc.Ticks);
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32];
        return Path.Combine(UploadsDirectory, name + ".json");
    }
}
