import pytest


async def test_register_returns_tokens_and_sets_an_httponly_refresh_cookie(
    client, unique, password
):
    name = unique()
    response = await client.post(
        "/auth/register",
        json={"username": name, "email": f"{name}@Example.com", "password": password},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["user"]["needs_consent"] is True
    cookie = response.headers["set-cookie"]
    assert f"refresh_token={body['refresh_token']}" in cookie
    assert "HttpOnly" in cookie and "Path=/auth" in cookie and "SameSite=lax" in cookie


async def test_usernames_and_emails_are_unique_case_insensitively(
    client, make_user, unique, password
):
    taken = (await make_user())["user"]
    by_name = await client.post(
        "/auth/register",
        json={
            "username": taken["username"].upper(),
            "email": "x@example.com",
            "password": password,
        },
    )
    assert by_name.status_code == 409
    assert by_name.json()["error"]["code"] == "username_taken"
    by_email = await client.post(
        "/auth/register",
        json={"username": unique(), "email": taken["email"].upper(), "password": password},
    )
    assert by_email.status_code == 409
    assert by_email.json()["error"]["code"] == "email_taken"


@pytest.mark.parametrize(
    ("field", "value"),
    [("password", "short1"), ("password", "lettersonly"), ("email", "not-an-email")],
)
async def test_weak_password_or_bad_email_is_422_naming_the_field(
    client, unique, password, field, value
):
    body = {"username": unique(), "email": "ok@example.com", "password": password, field: value}
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
    assert value not in response.text or field == "email"  # a password is never echoed


async def test_profile_accepts_the_korean_gender_labels_and_records_consent(
    client, make_user, bearer
):
    account = await make_user()
    response = await client.put(
        "/users/me/profile",
        json={"birthday": "1990-05-17", "gender": "여성"},
        headers=bearer(account),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["user"]["gender"] == "female"
    assert body["user"]["needs_consent"] is False
    me = (await client.get("/auth/me", headers=bearer(account))).json()
    assert me["birthday"] == "1990-05-17"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"birthday": "2999-01-01", "gender": "male"}, "birthday"),
        ({"birthday": "1899-12-31", "gender": "male"}, "birthday"),
        ({"birthday": "1990-01-01", "gender": "other"}, "gender"),
    ],
)
async def test_profile_refuses_implausible_values_naming_the_field(
    client, make_user, bearer, body, field
):
    account = await make_user()
    response = await client.put("/users/me/profile", json=body, headers=bearer(account))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field


async def test_me_needs_a_valid_token(client):
    assert (await client.get("/auth/me")).status_code == 401
    forged = await client.get("/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert forged.status_code == 401
