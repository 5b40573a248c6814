namespace Identity.Api.Tokens;

/// <summary>
/// One refresh token of a family (the chain of rotations that started at one login). Only its SHA-256
/// hash is stored: a database leak does not leak usable tokens.
/// </summary>
public sealed class RefreshToken
{
    public Guid Id { get; set; }
    public required byte[] TokenHash { get; set; }
    public Guid FamilyId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set when the token was exchanged; a token presented again after that is a reuse.</summary>
    public DateTimeOffset? UsedAt { get; set; }
    public Guid? ReplacedById { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
