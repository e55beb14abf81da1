"""Call the live assessment service through the generated client; print what came back."""
import json
import os
import sys

sys.path.insert(0, os.environ["PYCLIENT_DIR"])

from assessment_client import AuthenticatedClient  # noqa: E402
from assessment_client.api.cadre import department, departments, list_schemes  # noqa: E402

client = AuthenticatedClient(base_url=os.environ["BASE_URL"], token=os.environ["TOKEN"])
year = int(os.environ["YEAR"])
schemes = list_schemes.sync(client=client)
page = departments.sync_detailed(client=client, year=year, scheme="hohhot", allow_partial=True)
one = department.sync_detailed(id=int(os.environ["DEPARTMENT"]), client=client, year=year, scheme="qingyang", allow_partial=True)
refused = departments.sync_detailed(client=client, year=year, scheme="hohhot")
print(json.dumps({
    "schemes": [s.key for s in schemes],
    "status": page.status_code,
    "items": [{"department_id": i.department_id, "contribution": i.contribution, "out_of": i.out_of} for i in page.parsed.items],
    "one": {"status": one.status_code, "contribution": one.parsed.contribution, "zeroed": one.parsed.detail["zeroed"]},
    "refused": {"status": refused.status_code, "code": json.loads(refused.content)["code"]},
}))
