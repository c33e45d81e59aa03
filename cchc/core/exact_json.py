"""The JSON serialization format of backups ("exact-json"): Django's JSON, but times keep their
microseconds. Django's encoder follows ECMA-262 and cuts a time to the millisecond, so a
restored row would differ from the one backed up (and a time of .000456 would come back as a
string of another shape). It reads back with Django's own JSON deserializer."""

import datetime
from typing import Any

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.timezone import is_aware


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            if is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def start_serialization(self) -> None:
        super().start_serialization()  # sets json_kwargs, used by end_object
        self.json_kwargs["cls"] = ExactEncoder


Deserializer = django_json.Deserializer
