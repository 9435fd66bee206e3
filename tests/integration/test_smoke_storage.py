from sqlalchemy import text


async def test_migrated_database_has_the_single_configuration_row(db):
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT id, visibility, mode FROM service_config"))).all()
    assert [tuple(r) for r in rows] == [(1, "web_subjects", "register_and_follow")]
