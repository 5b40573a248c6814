using System.ComponentModel.DataAnnotations;

namespace Gateway.Caching;

/// <summary>The gateway's shared cache, section <c>Gateway:ResponseCache</c>.</summary>
public sealed class ResponseCacheOptions
{
    public const string SectionName = "ResponseCache";

    /// <summary>The longest the gateway keeps an answer, whatever its <c>max-age</c> asks.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Memory the stored answers may take, in megabytes.</summary>
    [Range(1, 4096)]
    public int SizeLimitMegabytes { get; set; } = 64;

    /// <summary>The largest answer stored, in kilobytes; larger ones are always forwarded.</summary>
    [Range(1, 65536)]
    public int MaximumBodyKilobytes { get; set; } = 1024;
}
