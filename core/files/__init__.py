"""Attachments: photos and documents for any record, sniffed, size-limited, stored locally or on S3."""
