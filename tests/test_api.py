import json
def test_probe(client_for, wuhe_staff, world, client):
    c = client_for(wuhe_staff)
    for u in ["/api/v1/places/wuhe/coverage", "/api/v1/places?parent=wuhe", "/api/v1/places?parent=bantian", f"/api/v1/organizations/{world.dgk_branch.pk}/history", "/api/v1/organizations?place=wuhe", "/api/v1/service-points"]:
        r = c.get(u)
        print(u, r.status_code, r.content.decode()[:1500])
    r = c.get("/api/v1/openapi.json")
    print(r.status_code, list(json.loads(r.content)["paths"]))
    c.logout()
    print(c.get("/api/v1/places").status_code, c.get("/places/").status_code, c.get("/places/").headers.get("Location"))
