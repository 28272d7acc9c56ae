"""The table the tests and `make run` use is the one template.yaml defines."""

from __future__ import annotations

from conftest import TableFixture
from mvno_shared import schema


def test_given_template_when_table_created_then_number_index_and_key_match_the_code(read_model: TableFixture) -> None:
    # When
    table = read_model.client.describe_table(TableName=read_model.table_name)["Table"]

    # Then
    assert table["KeySchema"] == [{"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"}]
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert list(indexes) == ["by-number"]
    assert indexes["by-number"]["KeySchema"] == [{"AttributeName": schema.NUMBER_ATTR, "KeyType": "HASH"}]
