"""Identity: accounts and the one login (统一身份认证) for citizens, enterprise agents and staff;
natural persons (keyed by resident ID number, stored encrypted) and legal entities (keyed by
USCC); agents' authorizations; regions, departments, staff and their roles; the OpenID Connect
provider that lets other government systems log people in through Tongban."""
