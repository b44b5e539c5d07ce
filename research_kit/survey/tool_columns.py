"""The survey tools' own columns: how Qualtrics, SurveyMonkey and others name respondent ids,
metadata and personal data.

:func:`~research_kit.survey.columns.detect_column_kinds` matches column names (and their
header labels), squashed to lower-case letters and digits, against these tables: an id column,
the tool's metadata (progress, duration, user agent, the response's dates, KoboToolbox's system
columns …). Fields that hold personal data or coordinates are listed in
:mod:`research_kit.survey.personal_columns`.
"""

from __future__ import annotations

import re

__all__ = [
    "CUSTOM_DATA",
    "ID_NAMES",
    "KOBO_SYSTEM",
    "LINK_ID_NAMES",
    "PII_METADATA",
    "QUALTRICS_RESPONSE_ID",
    "TEXT_IQ",
    "TOOL_DATES",
    "TOOL_METADATA",
]

#: Squashed names of a respondent or response id column.
ID_NAMES = frozenset(
    {"id", "uuid", "respondentid", "responseid", "recordid", "participantid", "caseid"}
)
#: A Qualtrics response id (``R_`` and ten or more letters or digits).
QUALTRICS_RESPONSE_ID = re.compile(r"^R_[A-Za-z0-9]{10,}$")
#: Squashed names of tool fields that hold personal data or may lead to a person, and what each
#: holds. :mod:`research_kit.survey.personal_columns` makes the person's fields ``personal_data``
#: and the coordinates ``geolocation``; an external reference (a panel's link key) is
#: ``metadata``. Response accounting leaves all of them out of the answers.
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
#: Squashed names of ids that link a row to its respondent without being unique (a KoboToolbox
#: repeat-group sheet's ``_submission__id``: several rows per submission).
LINK_ID_NAMES = frozenset({"submissionid"})
#: Squashed names of the tools' dates and times about the response (not answers): Qualtrics,
#: SurveyMonkey, Google Forms' ``Timestamp``, KoboToolbox/ODK ``start``/``end``/``today``.
TOOL_DATES = frozenset(
    {
        "startdate",
        "enddate",
        "recordeddate",
        "timestamp",
        "submissiontime",
        "start",
        "end",
        "today",
        "starttime",
        "endtime",
        "datecreated",
        "datemodified",
        "lastmodified",
    }
)
#: KoboToolbox's system columns: ``_uuid``, ``_index``, ``_submission__…``, ``__version__``,
#: ``$edited`` … (a leading underscore or dollar sign; ``_id`` and ``_geolocation`` are decided
#: before this rule).
KOBO_SYSTEM = re.compile(r"^(_|\$)[A-Za-z_][A-Za-z0-9_]*$")
#: Qualtrics Text iQ output columns derived from an open answer ("Q2 - Topics").
TEXT_IQ = re.compile(r" - (Topics|Sentiment|Sentiment Polarity|Sentiment Score|Topic Hierarchy)$")
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
        "locationaccuracy",
        "externalreference",
        "externaldatareference",
        "deviceid",
        "instanceid",
        "version",
    }
)
#: SurveyMonkey's custom data columns ("Custom Data 1" …), squashed.
CUSTOM_DATA = re.compile(r"^customdata\d*$")
