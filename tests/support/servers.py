"""Local stand-ins for AWS, for the integration tests. Loopback only.

Started by tests/support/mod.rs once per test binary, with the pinned moto's Python
(from $LAMBDA_PROFILING_TOOLS or .venv/bin). It serves, each on a free port of 127.0.0.1:

- moto (IAM, Lambda, S3, DynamoDB), with MOTO_IAM_LOAD_MANAGED_POLICIES=true set by the
  caller, and the references' table (LAMBDA_PROFILING_TABLE: its CreateTable arguments,
  read by the caller from macro-template.yaml) created in us-east-1, the home region;
- a fake of the CodeGuru Profiler REST-JSON API, which moto lacks. It is written in
  Python, next to moto, because the tests already need this process for moto and it
  then shares moto's account id and the fault switches below. Its shapes follow the
  service model (botocore's `codeguruprofiler/2019-07-18`, which the SDKs are made
  from): payload-bound ProfilingGroupDescription and AgentConfiguration, 201/204
  codes, and errors as `x-amzn-ErrorType` plus a JSON `message`. Groups are regional,
  as in the service: each request acts in the region of its SigV4 credential scope.
  It lists a region's groups (ListProfilingGroups, names in pages of `maxResults`).
  Besides the calls of the custom resource it serves the agent's two calls,
  ConfigureAgent and PostAgentProfile, and records each of them (GET /_agent_calls)
  with the group, the region and service it was signed for, and the profile posted.
  Its ConfigureAgent answer is the service's ordinary one unless a test shortens the
  agent's reporting interval with POST /_orchestration {"periodInSeconds": 1,
  "agentParameters": {"MinimumTimeForReportingInMilliseconds": "500"}} (the agent
  takes both from this answer; it refuses an interval below the minimum);
- a fault-injecting front for both, that forwards every request unchanged (the Host
  header too, so presigned S3 signatures stay valid) unless a fault matches it:
  POST /_faults {"contains": [...], "method": "PUT", "count": 2, "status": 500,
  "headers": {...}, "body": "..."} answers the first `count` matching requests itself
  (with "ua": "app/<name>", only those of the client with that app name),
  and {"contains": [...], "count": 1, "delay_ms": 800} holds them that long, then
  forwards them; GET /_requests?ua=<app name> or ?path=<part> lists the requests a
  client with that app name made, or to paths containing that part, with their
  Content-Type and length and when the front started and finished them (seconds).
  POST /_config {"seed": 7, "iam_delay_ms": [50, 200], "role": "r"} holds every IAM
  request on role r (no "role": on any role) for a time drawn from that range by a
  generator seeded so (to widen the windows of races); "iam_delay_ms": null stops it. The front also enforces IAM's quota of 50 tags per
  role, which moto does not: a TagRole that would pass it is answered LimitExceeded.
  The front to moto also fills two of moto's gaps: Lambda's ListFunctions pages as the
  service does (at most 50 functions, `NextMarker`; moto returns everything at once), and
  the Resource Groups Tagging API's GetResources for `lambda:function` (moto's does not
  know Lambda), read from moto's Lambda in this process, in pages of `ResourcesPerPage`.
  Each of these reads the account the request's credentials are in, as moto does (an
  assumed role's credentials are the role's account's); and STS refuses AssumeRole of any
  role in account 999999999999 (403 AccessDenied, with STS's words naming the caller and
  the role), as it refuses a role whose trust policy does not let the caller in.

The front also plays the publisher's agent layers, which moto cannot (they are another
account's): GetLayerVersion of `157417159150`'s two agent layers answers from a table of
versions and the runtimes each lists, as Lambda does (a version that does not exist is
refused as one no policy shares: 403 AccessDeniedException "... because no resource-based
policy allows ..."); POST /_config {"publisher": {"region": R, "layers": {name:
{version: [runtimes]}}}} sets what region R publishes of the layers named (fewer versions,
other listings); the other layer stays as in every region.

The front also plays Lambda's own rules that moto lacks, as the service words them: an
update or creation naming a layer version of this account that does not exist is refused
whole (400 InvalidParameterValueException; moto applies the variables first); an
environment whose compact JSON is over 4 KB is refused (400
InvalidParameterValueException, whose message quotes every variable and value, as
Lambda's does); POST /_config {"env_error": {"function": name, "code": "KMSAccessDeniedException",
"from_read": 2}} makes that function's GetFunctionConfiguration, from its n-th read on
(to its "to_read"-th, when given), answer `Environment.Error` without the variables, as Lambda does when it cannot decrypt
them ({"hide_layers": {...}} likewise answers without the function's layers, as a read
after a concurrent change that removed them would); and IAM's role names are case-insensitive (a request naming `myrole` acts on
`MyRole`), where moto's are not.

It prints one JSON line with the ports, then runs until its standard input closes,
which happens when the test process exits, however it exits.
"""

import json
import os
import random
import re
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import unquote, parse_qs

import boto3
import requests
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ACCOUNT = "123456789012"
NAME = re.compile(r"^[\w-]{1,255}$")

lock = threading.Lock()
tag_lock = threading.Lock()  # one TagRole at a time: the quota check and the write together
faults = []  # dicts with a remaining "count"
iam_delays = {}  # role name (or "*": any) -> [lo, hi] ms
rng = random.Random(0)
TAGS_PER_ROLE = 50
QUOTA = ("<ErrorResponse><Error><Type>Sender</Type><Code>LimitExceeded</Code>"
         "<Message>Cannot exceed quota for TagsPerRole: 50</Message></Error><RequestId>quota</RequestId></ErrorResponse>")
requests_seen = []  # [user agent, method, path, action, content type, length, start, end]


def region_of(req):
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", req.headers.get("Authorization", ""))
    return m.group(1) if m else "us-east-1"


def account_of(req):
    """The account moto acts in for this request: the one its access key belongs to (an
    assumed role's credentials are another account's), as moto itself decides."""
    from moto.iam.models import get_account_id_from

    m = re.search(r"Credential=([^/]+)/", req.headers.get("Authorization", ""))
    return get_account_id_from(m.group(1)) if m else ACCOUNT


def assume_refused(req, body):
    """STS refuses AssumeRole where the role's trust policy does not let the caller in:
    here, any role in account 999999999999, with STS's words (which name the caller and the
    role). `None`: not such a call."""
    form = parse_qs(body.decode("utf-8", "replace"))
    if form.get("Action", [""])[0] != "AssumeRole":
        return None
    role = form.get("RoleArn", [""])[0]
    if ":iam::999999999999:role/" not in role:
        return None
    message = (f"User: arn:aws:iam::{ACCOUNT}:user/ops is not authorized to perform: sts:AssumeRole on "
               f"resource: {role}")
    xml = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
           f'<Code>AccessDenied</Code><Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>')
    return Response(xml, 403, {"Content-Type": "text/xml"})


def service_of(req):
    """The service a request was signed for (SigV4 credential scope), else None."""
    m = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request", req.headers.get("Authorization", ""))
    return m.group(1) if m else None


# ---------------------------------------------------------------- CodeGuru Profiler fake
groups = {}  # (region, name) -> description
tags_by_arn = {}
agent_calls = []  # what the agents sent: see record_agent_call
# The ConfigureAgent answer: the service's ordinary orchestration (report every 5
# minutes, sample every second), unless a test changes it through POST /_orchestration.
orchestration = {
    "periodInSeconds": 300,
    "agentParameters": {
        "SamplingIntervalInMilliseconds": "1000",
        "MinimumTimeForReportingInMilliseconds": "60000",
        "ReportingIntervalInMilliseconds": "300000",
        "MaxStackDepth": "1000",
        "MemoryUsageLimitPercent": "10",
    },
}


def error(status, code, message):
    return Response(json.dumps({"message": message}), status, {"x-amzn-ErrorType": code, "Content-Type": "application/json"})


def describe(key):
    g = dict(groups[key])
    g["tags"] = dict(tags_by_arn.get(g["arn"], {}))
    return g


def not_found(name):
    return error(404, "ResourceNotFoundException", f"Profiling group {name} not found.")


def record_agent_call(req, operation, name, status, **details):
    agent_calls.append({
        "operation": operation,
        "group": name,
        "region": region_of(req),
        "service": service_of(req),
        "status": status,
        "time": time.time(),
        **details,
    })


def configure_agent(req, name):
    """ConfigureAgent: POST /profilingGroups/{name}/configureAgent, 200 with the
    AgentConfiguration as the whole body (the output's payload member)."""
    key = (region_of(req), name)
    body = req.get_json(force=True, silent=True) or {}
    details = {"fleetInstanceId": body.get("fleetInstanceId"), "metadata": body.get("metadata")}
    if not NAME.match(name):
        record_agent_call(req, "ConfigureAgent", name, 400, **details)
        return error(400, "ValidationException", "1 validation error detected: Value at 'profilingGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w-]+$")
    if key not in groups:
        record_agent_call(req, "ConfigureAgent", name, 404, **details)
        return not_found(name)
    record_agent_call(req, "ConfigureAgent", name, 200, **details)
    enabled = groups[key]["agentOrchestrationConfig"].get("profilingEnabled", True)
    answer = {
        "shouldProfile": bool(enabled),
        "periodInSeconds": orchestration["periodInSeconds"],
        "agentParameters": dict(orchestration["agentParameters"]),
    }
    return Response(json.dumps(answer), 200, {"Content-Type": "application/json"})


def post_agent_profile(req, name):
    """PostAgentProfile: POST /profilingGroups/{name}/agentProfile?profileToken=...,
    the profile as the body, its format in Content-Type; 204 with no body."""
    key = (region_of(req), name)
    content_type = req.headers.get("Content-Type", "")
    data = req.get_data()
    details = {"contentType": content_type, "bytes": len(data), "profileToken": req.args.get("profileToken")}
    if content_type not in ("application/json", "application/x-amzn-ion"):
        record_agent_call(req, "PostAgentProfile", name, 400, **details)
        return error(400, "ValidationException", f"Unsupported content type {content_type!r}; use application/json or application/x-amzn-ion")
    if key not in groups:
        record_agent_call(req, "PostAgentProfile", name, 404, **details)
        return not_found(name)
    if content_type == "application/json":
        try:
            details["profile"] = json.loads(data)
        except ValueError:
            record_agent_call(req, "PostAgentProfile", name, 400, **details)
            return error(400, "ValidationException", "The profile is not valid JSON")
    record_agent_call(req, "PostAgentProfile", name, 204, **details)
    return Response("", 204)


def codeguru(req):
    path = req.path
    with lock:
        region = region_of(req)
        if path == "/profilingGroups" and req.method == "POST":
            body = req.get_json(force=True, silent=True) or {}
            name = body.get("profilingGroupName", "")
            if not NAME.match(name):
                return error(400, "ValidationException", "1 validation error detected: Value at 'profilingGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w-]+$")
            platform = body.get("computePlatform", "Default")
            if platform not in ("Default", "AWSLambda"):
                return error(400, "ValidationException", "Invalid computePlatform")
            if (region, name) in groups:
                return error(409, "ConflictException", f"Profiling group {name} already exists.")
            now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            arn = f"arn:aws:codeguru-profiler:{region}:{ACCOUNT}:profilingGroup/{name}"
            groups[(region, name)] = {
                "name": name,
                "arn": arn,
                "computePlatform": platform,
                "agentOrchestrationConfig": body.get("agentOrchestrationConfig", {"profilingEnabled": True}),
                "createdAt": now,
                "updatedAt": now,
                "profilingStatus": {},
            }
            tags_by_arn[arn] = dict(body.get("tags") or {})
            return Response(json.dumps(describe((region, name))), 201, {"Content-Type": "application/json"})
        if path == "/profilingGroups" and req.method == "GET":
            # ListProfilingGroups: the region's group names, in pages of maxResults (1-1000).
            try:
                size = int(req.args.get("maxResults", 100))
            except ValueError:
                size = 0
            if not 1 <= size <= 1000:
                return error(400, "ValidationException", "maxResults must be between 1 and 1000")
            names = sorted(n for (r, n) in groups if r == region)
            token = req.args.get("nextToken") or "0"
            if not token.isdigit():
                return error(400, "ValidationException", "Invalid nextToken")
            start = int(token)
            page = {"profilingGroupNames": names[start:start + size]}
            if start + size < len(names):
                page["nextToken"] = str(start + size)
            return Response(json.dumps(page), 200, {"Content-Type": "application/json"})
        m = re.fullmatch(r"/profilingGroups/([^/]+)/(configureAgent|agentProfile)", path)
        if m and req.method == "POST":
            name = unquote(m.group(1))
            return configure_agent(req, name) if m.group(2) == "configureAgent" else post_agent_profile(req, name)
        m = re.fullmatch(r"/profilingGroups/([^/]+)", path)
        if m:
            name = unquote(m.group(1))
            key = (region, name)
            if key not in groups:
                return not_found(name)
            if req.method == "GET":
                return Response(json.dumps(describe(key)), 200, {"Content-Type": "application/json"})
            if req.method == "DELETE":
                tags_by_arn.pop(groups.pop(key)["arn"], None)
                return Response("", 204)
        if path.startswith("/tags/"):
            arn = unquote(path[len("/tags/"):])
            if arn not in tags_by_arn:
                return error(404, "ResourceNotFoundException", f"Resource {arn} not found.")
            if req.method == "GET":
                return Response(json.dumps({"tags": tags_by_arn[arn]}), 200, {"Content-Type": "application/json"})
            if req.method == "POST":
                tags_by_arn[arn].update((req.get_json(force=True, silent=True) or {}).get("tags", {}))
                return Response("", 204)
            if req.method == "DELETE":
                for key in parse_qs(req.query_string.decode()).get("tagKeys", []):
                    tags_by_arn[arn].pop(key, None)
                return Response("", 204)
        # Test inspection and settings, not part of the service.
        if path == "/_groups":  # every region's groups, by name
            return Response(json.dumps({k[1]: describe(k) for k in groups}), 200)
        if path == "/_agent_calls":
            return Response(json.dumps(agent_calls), 200)
        if path == "/_orchestration" and req.method == "POST":
            change = req.get_json(force=True)
            orchestration["periodInSeconds"] = change.get("periodInSeconds", orchestration["periodInSeconds"])
            orchestration["agentParameters"].update(change.get("agentParameters", {}))
            return Response(json.dumps(orchestration), 200)
    return error(404, "UnknownOperationException", f"{req.method} {path} is not faked")


# ---------------------------------------------------------------- moto's gaps, filled in the front
LIST_FUNCTIONS = re.compile(r"^/2015-03-31/functions/?$")
LAMBDA_PAGE = 50  # the most ListFunctions returns in one response, as in the service
TAGGING_TARGET = "ResourceGroupsTaggingAPI_20170126.GetResources"


def json_error(status, code, message):
    return Response(json.dumps({"message": message, "Message": message, "__type": code}), status,
                    {"x-amzn-ErrorType": code, "Content-Type": "application/json"})


def page_of(items, marker, size):
    """Items from the opaque `marker` on, at most `size`, and the next marker or None."""
    start = 0
    if marker:
        m = re.fullmatch(r"page-(\d+)", marker)
        if not m:
            return None, None
        start = int(m.group(1))
    end = start + size
    return items[start:end], (f"page-{end}" if end < len(items) else None)


def list_functions_paged(req, forward):
    """moto answers every function at once; Lambda pages at 50 with NextMarker."""
    query = [(k, v) for k, v in req.args.items(multi=True) if k not in ("Marker", "MaxItems")]
    up = forward(query)
    if up.status_code != 200:
        return up
    functions = json.loads(up.get_data())["Functions"]
    try:
        size = min(int(req.args.get("MaxItems", LAMBDA_PAGE)), LAMBDA_PAGE)
    except ValueError:
        size = 0
    if size < 1:
        return json_error(400, "InvalidParameterValueException", "MaxItems must be between 1 and 10000")
    items, marker = page_of(functions, req.args.get("Marker"), size)
    if items is None:
        return json_error(400, "InvalidParameterValueException", "Invalid Marker")
    answer = {"Functions": items}
    if marker:
        answer["NextMarker"] = marker
    return Response(json.dumps(answer), 200, {"Content-Type": "application/json"})


def get_resources(req):
    """GetResources of lambda:function: each function with tags, matching TagFilters."""
    from moto.awslambda.models import lambda_backends

    body = req.get_json(force=True, silent=True) or {}
    types = body.get("ResourceTypeFilters") or []
    if types and not any(t in ("lambda", "lambda:function") for t in types):
        return Response(json.dumps({"ResourceTagMappingList": []}), 200, {"Content-Type": "application/x-amz-json-1.1"})
    filters = body.get("TagFilters") or []
    size = body.get("ResourcesPerPage", 50)
    if not isinstance(size, int) or not 1 <= size <= 100:
        return json_error(400, "InvalidParameterException", "ResourcesPerPage must be between 1 and 100")
    found = []
    for fn in lambda_backends[account_of(req)][region_of(req)].list_functions():
        tags = dict(fn.tags or {})
        if not tags:
            continue  # the service lists resources that have tags
        if all(f["Key"] in tags and (not f.get("Values") or tags[f["Key"]] in f["Values"]) for f in filters):
            found.append({"ResourceARN": fn.function_arn,
                          "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]})
    items, token = page_of(found, body.get("PaginationToken"), size)
    if items is None:
        return json_error(400, "PaginationTokenExpiredException", "Invalid PaginationToken")
    return Response(json.dumps({"ResourceTagMappingList": items, "PaginationToken": token or ""}), 200,
                    {"Content-Type": "application/x-amz-json-1.1"})


# ---------------------------------------------------------------- Lambda's rules, which moto lacks
FUNCTION_CONFIGURATION = re.compile(r"^/2015-03-31/functions/([^/]+)/configuration/?$")
CREATE_FUNCTION = re.compile(r"^/2015-03-31/functions/?$")
ENVIRONMENT_LIMIT = 4096
env_errors = {}  # function name -> {"code", "message", "from_read", "reads"}


def function_name(part):
    """A function's name from a path part: a name, or a full or partial ARN."""
    name = unquote(part)
    return name.split(":")[6] if name.startswith("arn:") else name.split(":")[-1]


def environment_refused(req, body):
    """Lambda's refusal of an environment over 4 KB, measured as its message shows: the
    compact JSON of the variables. The message quotes them, as Lambda's does."""
    if not (req.method == "PUT" and FUNCTION_CONFIGURATION.match(req.path)) and \
            not (req.method == "POST" and CREATE_FUNCTION.match(req.path)):
        return None
    try:
        variables = (json.loads(body or b"{}").get("Environment") or {}).get("Variables")
    except ValueError:
        return None
    if not variables:
        return None
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) <= ENVIRONMENT_LIMIT:
        return None
    message = ("Lambda was unable to configure your environment variables because the environment variables "
               f"you have provided exceeded the 4KB limit. String measured: {measured}")
    return Response(json.dumps({"Type": "User", "message": message}), 400,
                    {"x-amzn-ErrorType": "InvalidParameterValueException", "Content-Type": "application/json"})


def missing_layer(req, body):
    """Lambda refuses an update or a creation that names a layer version that does not
    exist, and applies nothing of it (moto applies the variables, then answers 404): 400
    InvalidParameterValueException, as Lambda words it. Only this account's layers, which
    moto knows, are checked."""
    from moto.awslambda.models import lambda_backends

    if not (req.method == "PUT" and FUNCTION_CONFIGURATION.match(req.path)) and \
            not (req.method == "POST" and CREATE_FUNCTION.match(req.path)):
        return None
    try:
        layers = json.loads(body or b"{}").get("Layers") or []
    except ValueError:
        return None
    account = account_of(req)
    storage = lambda_backends[account][region_of(req)]._layers
    for arn in layers:
        parts = arn.split(":")
        if len(parts) == 8 and parts[4] == account and storage.get_layer_version_by_arn(arn) is None:
            message = f"Layer version {arn} does not exist."
            return Response(json.dumps({"Type": "User", "message": message}), 400,
                            {"x-amzn-ErrorType": "InvalidParameterValueException", "Content-Type": "application/json"})
    return None


def with_environment_error(req, answer):
    """GetFunctionConfiguration of a function set to fail reading its environment: from its
    n-th read on, `Environment` holds only the error, as when Lambda cannot decrypt it."""
    m = FUNCTION_CONFIGURATION.match(req.path)
    if req.method != "GET" or not m or answer.status_code != 200:
        return answer
    with lock:
        rule = env_errors.get(function_name(m.group(1)))
        if rule is None:
            return answer
        rule["reads"] += 1
        if rule["reads"] < rule.get("from_read", 1) or rule["reads"] > rule.get("to_read", rule["reads"]):
            return answer
    config = json.loads(answer.get_data())
    if rule.get("hide_layers"):
        config.pop("Layers", None)
    else:
        config["Environment"] = {"Error": {"ErrorCode": rule.get("code", "KMSAccessDeniedException"),
                                           "Message": rule.get("message", "Lambda was unable to decrypt the environment variables because KMS access was denied.")}}
    return Response(json.dumps(config), 200, {"Content-Type": "application/json"})


def canonical_role_names(form_body, account):
    """IAM's names are case-insensitive: RoleName is rewritten to the role's own spelling."""
    from moto.iam.models import iam_backends

    form = parse_qs(form_body.decode("utf-8", "replace"), keep_blank_values=True)
    given = form.get("RoleName", [""])[0]
    if not given:
        return form_body
    backend = iam_backends[account]["aws"]
    own = next((r.name for r in backend.roles.values() if r.name.lower() == given.lower()), None)
    if own is None or own == given:
        return form_body
    form["RoleName"] = [own]
    from urllib.parse import urlencode
    return urlencode([(k, v) for k, vs in form.items() for v in vs]).encode()


# ---------------------------------------------------------------- the fault-injecting front
PUBLISHER = "157417159150"
LAYER_PATH = re.compile(r"^/2018-10-31/layers/(?P<layer>[^/]+)/versions/(?P<version>\d+)$")
PY_OLD = ["python3.6", "python3.7", "python3.8", "python3.9"]
PY_NEW = PY_OLD + ["python3.10", "python3.11", "python3.12", "python3.13"]
JAVA = ["java8.al2", "java11", "java17", "java21"]
# What the publisher publishes in every region (its layer name -> version -> runtimes),
# unless POST /_config {"publisher": {"region": R, "layers": {...}}} says otherwise there.
PUBLISHED = {
    "AWSCodeGuruProfilerPythonAgentLambdaLayer": {"11": PY_OLD, "12": PY_OLD, "13": PY_NEW},
    "AWSCodeGuruProfilerJavaAgentLayer": {"11": JAVA, "12": JAVA},
}
published_in = {}  # region -> layers, as PUBLISHED


def publisher_layer(req):
    """GetLayerVersion of the publisher's agent layers, which moto cannot hold (another
    account's): answered as Lambda does, from PUBLISHED, with AccessDeniedException (403)
    for a version that does not exist. `None`: not a call for those layers."""
    m = LAYER_PATH.match(req.path)
    if req.method != "GET" or m is None:
        return None
    layer = unquote(m["layer"])
    parts = layer.split(":")
    if len(parts) != 7 or parts[4] != PUBLISHER:
        return None
    region, name, version = parts[3], parts[6], m["version"]
    with lock:
        listing = published_in.get(region, PUBLISHED).get(name, {}).get(version)
    if listing is None:
        # Another account's version that no policy shares (it does not exist): Lambda
        # refuses it as it refuses one not shared with the caller.
        message = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/lambda-profiling/caller is not authorized to "
                   f"perform: lambda:GetLayerVersion on resource: {layer}:{version} because no resource-based "
                   "policy allows the lambda:GetLayerVersion action")
        return json_error(403, "AccessDeniedException", message)
    answer = {
        "LayerArn": layer,
        "LayerVersionArn": f"{layer}:{version}",
        "Version": int(version),
        "CompatibleRuntimes": listing,
        "CompatibleArchitectures": ["x86_64", "arm64"],
        "CreatedDate": "2024-05-02T10:00:00.000+0000",
        "Content": {"CodeSha256": "", "CodeSize": 1, "Location": "https://example.invalid/layer.zip"},
    }
    return Response(json.dumps(answer), 200, {"Content-Type": "application/json"})


def front(upstream, local=None):
    def app(environ, start_response):
        req = Request(environ)
        if req.path == "/_faults" and req.method == "POST":
            with lock:
                faults.append(req.get_json(force=True))
            return Response("{}", 200)(environ, start_response)
        if req.path == "/_config" and req.method == "POST":
            body = req.get_json(force=True)
            with lock:
                if "env_error" in body:
                    rule = body["env_error"]
                    if rule.get("code") is None:
                        env_errors.pop(rule["function"], None)
                    else:
                        env_errors[rule["function"]] = dict(rule, reads=0)
                    return Response("{}", 200)(environ, start_response)
                if "publisher" in body:
                    rule = body["publisher"]
                    published_in[rule["region"]] = dict(PUBLISHED, **rule["layers"])
                    return Response("{}", 200)(environ, start_response)
                if "hide_layers" in body:
                    rule = body["hide_layers"]
                    env_errors[rule["function"]] = dict(rule, reads=0, hide_layers=True)
                    return Response("{}", 200)(environ, start_response)
                role = body.get("role") or "*"
                if body.get("iam_delay_ms"):
                    iam_delays[role] = body["iam_delay_ms"]
                else:
                    iam_delays.pop(role, None)
                if "seed" in body:
                    rng.seed(body["seed"])
            return Response("{}", 200)(environ, start_response)
        if req.path == "/_requests":
            ua, part = req.args.get("ua", ""), req.args.get("path", "")
            with lock:
                seen = [r[1:] for r in requests_seen if (ua and ua in r[0]) or (part and part in r[2])]
            return Response(json.dumps(seen), 200)(environ, start_response)
        body = req.get_data()
        text = req.full_path + "\n" + body.decode("utf-8", "replace")
        ua = req.headers.get("x-amz-user-agent", "") + " " + req.headers.get("User-Agent", "")
        # The query protocol's Action (IAM), else the JSON protocol's target (DynamoDB).
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0] or \
            req.headers.get("X-Amz-Target", "").rpartition(".")[2]
        row = [ua, req.method, req.path, action, req.headers.get("Content-Type"), req.headers.get("Content-Length"), time.monotonic(), None]
        delay = 0
        with lock:
            requests_seen.append(row)
            for f in faults:
                if f["count"] > 0 and all(c in text for c in f.get("contains", [])) and f.get("method", req.method) == req.method \
                        and f.get("ua", "") in ua:
                    f["count"] -= 1
                    if "delay_ms" in f:
                        delay = f["delay_ms"] / 1000
                        break
                    row[7] = time.monotonic()
                    return Response(f.get("body", ""), f.get("status", 500), f.get("headers", {}))(environ, start_response)
            if iam_delays and service_of(req) == "iam":
                role = parse_qs(body.decode("utf-8", "replace")).get("RoleName", [""])[0]
                span = iam_delays.get(role) or iam_delays.get("*")
                if span:
                    delay += rng.uniform(span[0], span[1]) / 1000
        time.sleep(delay)
        try:
            if action == "TagRole" and upstream is not None:
                with tag_lock:
                    if over_quota(upstream, parse_qs(body.decode("utf-8", "replace"))):
                        return Response(QUOTA, 409, {"Content-Type": "text/xml"})(environ, start_response)
                    return forward(req, body)(environ, start_response)
            return forward(req, body)(environ, start_response)
        finally:
            row[7] = time.monotonic()

    def forward(req, body):
        if local is not None:
            return local(req)
        layer = publisher_layer(req)
        if layer is not None:
            return layer
        refused = environment_refused(req, body) or missing_layer(req, body) or assume_refused(req, body)
        if refused is not None:
            return refused
        if service_of(req) == "iam":
            body = canonical_role_names(body, account_of(req))
        if req.method == "GET" and LIST_FUNCTIONS.match(req.path):
            return list_functions_paged(req, lambda query: upstream_call(req, body, query))
        if req.headers.get("X-Amz-Target") == TAGGING_TARGET:
            return get_resources(req)
        return with_environment_error(req, upstream_call(req, body, None))

    def upstream_call(req, body, query):
        """The request sent on to moto (with `query` instead of its own, when given)."""
        headers = {k: v for k, v in req.headers.items() if k.lower() not in ("content-length", "transfer-encoding")}
        url = upstream + (req.path if query is not None else req.full_path.rstrip("?"))
        up = requests.request(req.method, url, params=query, headers=headers, data=body, allow_redirects=False)
        drop = ("content-length", "transfer-encoding", "connection", "content-encoding")
        return Response(up.content, up.status_code, [(k, v) for k, v in up.headers.items() if k.lower() not in drop])

    return app


def over_quota(upstream, form):
    """Whether this TagRole would leave the role with more than 50 tags (IAM's quota)."""
    role = form.get("RoleName", [""])[0]
    keys = {v[0] for k, v in form.items() if re.fullmatch(r"Tags\.member\.\d+\.Key", k)}
    iam = boto3.client("iam", endpoint_url=upstream, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    try:
        have = set()
        kwargs = {"RoleName": role}
        while True:
            page = iam.list_role_tags(**kwargs)
            have |= {t["Key"] for t in page.get("Tags", [])}
            if not page.get("IsTruncated"):
                break
            kwargs["Marker"] = page["Marker"]
    except Exception:  # noqa: BLE001 - a missing role: moto answers the TagRole itself
        return False
    return len(have | keys) > TAGS_PER_ROLE


def create_table(moto_url):
    """The references' table, as macro-template.yaml defines it, in the home region."""
    definition = os.environ.get("LAMBDA_PROFILING_TABLE")
    if not definition:
        return
    ddb = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    ddb.create_table(**json.loads(definition))


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port


def main():
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    _, moto_port = moto.get_host_and_port()
    create_table(f"http://127.0.0.1:{moto_port}")
    ports = {
        "moto": moto_port,
        "aws": serve(front(f"http://127.0.0.1:{moto_port}")),
        "codeguru": serve(front(None, local=codeguru)),
    }
    print(json.dumps(ports), flush=True)
    sys.stdin.read()  # until the test process exits
    moto.stop()


if __name__ == "__main__":
    main()
