namespace IntegrationTests;

// The catalog's public contract as a client sees it (docs/api.md), independent of the service's types.
public sealed record CatalogItem(int Id, string Name, string Description, decimal Price, int CategoryId, int BrandId, int AvailableStock);

public sealed record CatalogPage(int PageIndex, int PageSize, long Count, CatalogItem[] Data);

public sealed record NamedEntity(int Id, string Name);

public sealed record Problem(int Status, string? Title, Dictionary<string, string[]>? Errors);
