"""The survey tools' own columns: how Qualtrics, SurveyMonkey and others name respondent ids,
metadata and personal data.

:func:`~research_kit.survey.columns.detect_column_kinds` matches column names (and their
header labels), squashed to lower-case letters and digits, against these tables: an id column,
the tool's metadata (progress, duration, user agent …) and metadata that holds personal data
(IP address, e-mail, names, location, phone), with what each one holds, for the reason it gives.
"""

from __future__ import annotations

import re

__all__ = ["CUSTOM_DATA", "ID_NAMES", "PII_METADATA", "QUALTRICS_RESPONSE_ID", "TOOL_METADATA"]

#: Squashed names of a respondent or response id column.
ID_NAMES = frozenset(
    {"id", "uuid", "respondentid", "responseid", "recordid", "participantid", "caseid"}
)
#: A Qualtrics response id (``R_`` and ten or more letters or digits).
QUALTRICS_RESPONSE_ID = re.compile(r"^R_[A-Za-z0-9]{10,}$")
#: Squashed names of tool columns that hold personal data, and what they hold.
PII_METADATA = {
    "ipaddress": "an IP address",
    "emailaddress": "an e-mail address",
    "email": "an e-mail address",
    "recipientemail": "an e-mail address",
    "firstname": "a name",
    "lastname": "a name",
    "recipientfirstname": "a name",
    "recipientlastname": "a name",
    "name": "a name",
    "fullname": "a name",
    "locationlatitude": "a location",
    "locationlongitude": "a location",
    "latitude": "a location",
    "longitude": "a location",
    "lat": "a location",
    "long": "a location",
    "lng": "a location",
    "phone": "a phone number",
    "phonenumber": "a phone number",
    "externalreference": "an external reference that may link to a person",
    "externaldatareference": "an external reference that may link to a person",
}
#: Squashed names of the tools' other metadata columns.
TOOL_METADATA = frozenset(
    {
        "collectorid",
        "collector",
        "status",
        "responsetype",
        "progress",
        "durationinseconds",
        "duration",
        "finished",
        "useragent",
        "browser",
        "browserversion",
        "operatingsystem",
        "screenresolution",
        "device",
        "referer",
        "referrer",
        "distributionchannel",
        "userlanguage",
        "responseset",
        "qrecaptchascore",
        "qrelevantidduplicate",
        "qrelevantidduplicatescore",
        "qrelevantidfraudscore",
        "qrelevantidlaststartdate",
        "qballotboxstuffing",
        "qtotalduration",
    }
)
#: SurveyMonkey's custom data columns ("Custom Data 1" …), squashed.
CUSTOM_DATA = re.compile(r"^customdata\d*$")
