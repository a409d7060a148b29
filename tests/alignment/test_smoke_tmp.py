def test_pages(login, leader, member, team):
    c = login(leader)
    for url in ["/", "/o/harbour/", "/o/harbour/t/platform/", "/o/harbour/t/platform/settings/", "/accounts/profile/", "/organisations/new/", "/o/harbour/teams/new/"]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.content[:2000])
    r = c.post("/o/harbour/t/platform/invitations/", {"email": "new@example.com", "roles": ["member"]}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content
    assert b"<html" not in r.content
    print(r.content.decode()[:3000])
