"""The base registries (三大基础库): population (人口库), legal entities (法人库) and places
(空间地理库: districts, streets, neighbourhood committees, standard addresses, grids). Each record
has one authoritative provider department (一数一源) and a last-updated time."""
