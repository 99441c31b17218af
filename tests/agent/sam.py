"""The SAM transform (AWS::Serverless-2016-10-31), as CloudFormation runs it after our
macro: reads {"template": ..., "parameters": {...}} from the file named by its argument,
writes the processed template on stdout. Run by tests/agent/stack.rs with the tools'
Python, which has the pinned aws-sam-translator (requirements-dev.txt); exits 3 when it
has not.

The managed policies SAM functions name are looked up in IAM by the real transform;
here they come from the table below (only those the examples use).
"""
import json
import os
import sys

try:
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform
except ImportError:
    sys.exit(3)

MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "AmazonCodeGuruProfilerAgentAccess": "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess",
}


class Policies:
    def load(self):
        return MANAGED_POLICIES


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    # The transform takes the region from a boto3 session, as it would inside Lambda.
    os.environ["AWS_DEFAULT_REGION"] = request["parameters"]["AWS::Region"]
    try:
        out = transform(request["template"], request["parameters"], Policies())
    except InvalidDocumentException as e:
        sys.exit("the SAM transform failed: " + "; ".join(str(c) for c in e.causes))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
