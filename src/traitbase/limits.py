"""Every domain limit object, built once from ``Settings`` where storage is opened.

Faces and jobs take their limits from here (``ctx.limits`` / ``Resources.limits``) instead of
building them from settings on each call, so one setting has one meaning everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from traitbase.config import Settings
from traitbase.domain.audiences.job import LoadLimits
from traitbase.domain.audiences.service import AudienceLimits
from traitbase.domain.audiences.uploads import UploadLimits
from traitbase.domain.collect.ingest import CollectLimits
from traitbase.domain.events.job import CsvLimits
from traitbase.domain.events.parse import EventLimits
from traitbase.domain.imports.parse import ImportLimits
from traitbase.domain.profiles.parse import AttributeLimits


@dataclass(frozen=True)
class Limits:
    attributes: AttributeLimits
    events: EventLimits
    event_csv: CsvLimits
    imports: ImportLimits
    audience_lists: AudienceLimits
    audience_files: AudienceLimits
    audience_uploads: UploadLimits
    audience_loads: LoadLimits
    collect: CollectLimits

    @classmethod
    def from_settings(cls, st: Settings) -> Limits:
        attributes = AttributeLimits(
            max_users=st.attributes_max_users,
            max_fields=st.attributes_max_fields,
            max_field_name_length=st.attributes_max_field_name_length,
            max_value_length=st.attributes_max_value_length,
            max_json_depth=st.json_max_depth,
        )
        return cls(
            attributes=attributes,
            events=EventLimits(
                max_items=st.events_max_items,
                max_string_length=st.events_max_string_length,
                max_json_depth=st.json_max_depth,
            ),
            event_csv=CsvLimits(
                chunk_rows=st.events_csv_chunk_rows,
                max_value_length=st.events_max_string_length,
                default_bytes_per_second=st.events_csv_default_bytes_per_second,
            ),
            imports=ImportLimits(
                chunk_lines=st.imports_chunk_lines,
                max_line_bytes=st.imports_max_line_bytes,
                max_value_length=st.imports_max_value_length,
                max_attr_length=st.imports_max_attr_name_length,
                max_id_length=st.imports_max_customer_id_length,
                error_line_max_chars=st.imports_error_line_max_chars,
            ),
            # The Localytics face counts its request body; the Mintegral face its uploaded file.
            audience_lists=AudienceLimits(
                max_lists=st.audience_imports_max_lists,
                update_lock_seconds=st.audience_update_lock_seconds,
                max_file_bytes=st.audience_imports_max_body_bytes,
            ),
            audience_files=AudienceLimits(
                max_lists=st.audience_imports_max_lists,
                update_lock_seconds=st.audience_update_lock_seconds,
                max_file_bytes=st.audience_file_max_bytes,
            ),
            audience_uploads=UploadLimits(
                max_bytes=st.audience_file_max_bytes, ttl_seconds=st.audience_upload_ttl_seconds
            ),
            audience_loads=LoadLimits(
                max_decompressed_bytes=st.audience_file_max_decompressed_bytes,
                max_id_length=st.audience_max_id_length,
                work_dir=st.resolved_warehouse_temp_dir,
            ),
            # identify writes the user store: the attribute face's own limits apply to it.
            collect=CollectLimits(
                max_events=st.collect_max_events,
                rate_limit=st.collect_rate_limit,
                idle_minutes=st.collect_visit_idle_minutes,
                log_full_ip=st.collect_log_full_ip,
                attributes=attributes,
            ),
        )
