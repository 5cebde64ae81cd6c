"""quality: surveys and responses, manual indicators, schemes, periods and scores, inspections, rectification, the request projection and improvement plans.

Revision ID: quality_0002
Revises: quality_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "quality_0002"
down_revision = "quality_0001"
branch_labels = None
depends_on = None

COMPOUND_TABLES = (
    "quality_campaigns",
    "quality_compound_scores",
    "quality_improvement_plans",
    "quality_inspections",
    "quality_manual_values",
    "quality_rectifications",
    "quality_request_facts",
    "quality_improvement_actions",
    "quality_inspection_results",
    "quality_rectification_items",
    "quality_responses",
)
TABLES = (
    "quality_inspection_plans",
    "quality_manual_indicators",
    "quality_schemes",
    "quality_survey_templates",
    "quality_periods",
    "quality_scheme_items",
    "quality_campaigns",
    "quality_compound_scores",
    "quality_improvement_plans",
    "quality_inspections",
    "quality_manual_values",
    "quality_operator_scores",
    "quality_rectifications",
    "quality_request_facts",
    "quality_improvement_actions",
    "quality_inspection_results",
    "quality_rectification_items",
    "quality_responses",
)


def upgrade() -> None:
    op.create_table(
        "quality_inspection_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("compound_ids", sa.JSON(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quality_inspection_plans_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_inspection_plans")),
    )
    op.create_index(op.f("ix_quality_inspection_plans_tenant_id"), "quality_inspection_plans", ["tenant_id"], unique=False)
    op.create_table(
        "quality_manual_indicators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("label_zh", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("target", core.db.ExactDecimal(precision=12, scale=4), nullable=True),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quality_manual_indicators_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_manual_indicators")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_quality_manual_indicators_tenant_id")),
    )
    op.create_index(op.f("ix_quality_manual_indicators_tenant_id"), "quality_manual_indicators", ["tenant_id"], unique=False)
    op.create_table(
        "quality_schemes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("star_thresholds", sa.JSON(), nullable=False),
        sa.Column("overdue_deduction", core.db.ExactDecimal(precision=8, scale=2), nullable=False),
        sa.Column("deduction_cap", core.db.ExactDecimal(precision=8, scale=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_quality_schemes_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_schemes")),
    )
    op.create_index(op.f("ix_quality_schemes_tenant_id"), "quality_schemes", ["tenant_id"], unique=False)
    op.create_table(
        "quality_survey_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quality_survey_templates_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_survey_templates")),
    )
    op.create_index(op.f("ix_quality_survey_templates_tenant_id"), "quality_survey_templates", ["tenant_id"], unique=False)
    op.create_table(
        "quality_periods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("scheme_snapshot", sa.JSON(), nullable=False),
        sa.Column("computed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["scheme_id"], ["quality_schemes.id"], name=op.f("fk_quality_periods_scheme_id_quality_schemes")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_quality_periods_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_periods")),
    )
    op.create_index(op.f("ix_quality_periods_tenant_id"), "quality_periods", ["tenant_id"], unique=False)
    op.create_table(
        "quality_scheme_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("label_zh", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("weight", core.db.ExactDecimal(precision=8, scale=4), nullable=False),
        sa.Column("target", core.db.ExactDecimal(precision=12, scale=4), nullable=False),
        sa.Column("zero_at", core.db.ExactDecimal(precision=12, scale=4), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["quality_schemes.id"], name=op.f("fk_quality_scheme_items_scheme_id_quality_schemes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_quality_scheme_items_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_scheme_items")),
        sa.UniqueConstraint("scheme_id", "code", name=op.f("uq_quality_scheme_items_scheme_id")),
    )
    op.create_index(op.f("ix_quality_scheme_items_scheme_id"), "quality_scheme_items", ["scheme_id"], unique=False)
    op.create_index(op.f("ix_quality_scheme_items_tenant_id"), "quality_scheme_items", ["tenant_id"], unique=False)
    op.create_table(
        "quality_campaigns",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=True),
        sa.Column("opens_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("households_total", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_campaigns_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_campaigns")),
        sa.UniqueConstraint("compound_id", "request_id", name="uq_quality_campaigns_request"),
    )
    op.create_index("ix_quality_campaigns_batch", "quality_campaigns", ["batch_id"], unique=False)
    op.create_table(
        "quality_compound_scores",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("operator_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("community_id", sa.Uuid(), nullable=True),
        sa.Column("street_id", sa.Uuid(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("deduction", core.db.ExactDecimal(precision=8, scale=2), nullable=False),
        sa.Column("composite", core.db.ExactDecimal(precision=8, scale=2), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("rank_community", sa.Integer(), nullable=False),
        sa.Column("rank_street", sa.Integer(), nullable=False),
        sa.Column("rank_district", sa.Integer(), nullable=False),
        sa.Column("tied", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_compound_scores_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["quality_periods.id"], name=op.f("fk_quality_compound_scores_period_id_quality_periods"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_compound_scores")),
        sa.UniqueConstraint("compound_id", "period_id", name=op.f("uq_quality_compound_scores_compound_id")),
    )
    op.create_index(op.f("ix_quality_compound_scores_period_id"), "quality_compound_scores", ["period_id"], unique=False)
    op.create_table(
        "quality_improvement_plans",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("indicator_code", sa.String(length=80), nullable=False),
        sa.Column("baseline_start", sa.Date(), nullable=False),
        sa.Column("baseline_end", sa.Date(), nullable=False),
        sa.Column("review_start", sa.Date(), nullable=False),
        sa.Column("review_end", sa.Date(), nullable=False),
        sa.Column("before_value", core.db.ExactDecimal(precision=12, scale=4), nullable=True),
        sa.Column("after_value", core.db.ExactDecimal(precision=12, scale=4), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_improvement_plans_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_improvement_plans")),
    )
    op.create_table(
        "quality_inspections",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("inspector_user_id", sa.Uuid(), nullable=True),
        sa.Column("inspector_name", sa.String(length=100), nullable=False),
        sa.Column("score", core.db.ExactDecimal(precision=8, scale=2), nullable=False),
        sa.Column("max_total", core.db.ExactDecimal(precision=10, scale=2), nullable=False),
        sa.Column("kept_total", core.db.ExactDecimal(precision=10, scale=2), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("rectification_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_inspections_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_inspections")),
    )
    op.create_index("ix_quality_inspections_day", "quality_inspections", ["compound_id", "inspected_on"], unique=False)
    op.create_table(
        "quality_manual_values",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("value", core.db.ExactDecimal(precision=12, scale=4), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_manual_values_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["quality_periods.id"], name=op.f("fk_quality_manual_values_period_id_quality_periods"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_manual_values")),
        sa.UniqueConstraint("compound_id", "period_id", "code", name=op.f("uq_quality_manual_values_compound_id")),
    )
    op.create_table(
        "quality_operator_scores",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("operator_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("compounds", sa.Integer(), nullable=False),
        sa.Column("composite", core.db.ExactDecimal(precision=8, scale=2), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("tied", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"], ["quality_periods.id"], name=op.f("fk_quality_operator_scores_period_id_quality_periods"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quality_operator_scores_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_operator_scores")),
        sa.UniqueConstraint("period_id", "operator_tenant_id", name=op.f("uq_quality_operator_scores_period_id")),
    )
    op.create_index(op.f("ix_quality_operator_scores_period_id"), "quality_operator_scores", ["period_id"], unique=False)
    op.create_index(op.f("ix_quality_operator_scores_tenant_id"), "quality_operator_scores", ["tenant_id"], unique=False)
    op.create_table(
        "quality_rectifications",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("operator_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("issued_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("due_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_rectifications_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_rectifications")),
        sa.UniqueConstraint("compound_id", "number", name=op.f("uq_quality_rectifications_compound_id")),
    )
    op.create_index("ix_quality_rectifications_state", "quality_rectifications", ["compound_id", "state", "due_at"], unique=False)
    op.create_table(
        "quality_request_facts",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("filed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_request_facts_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_request_facts")),
    )
    op.create_index("ix_quality_request_facts_filed", "quality_request_facts", ["compound_id", "filed_at"], unique=False)
    op.create_table(
        "quality_improvement_actions",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "plan_id"],
            ["quality_improvement_plans.compound_id", "quality_improvement_plans.id"],
            name=op.f("fk_quality_improvement_actions_compound_id_quality_improvement_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_improvement_actions_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_improvement_actions")),
    )
    op.create_table(
        "quality_inspection_results",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=False),
        sa.Column("max_score", core.db.ExactDecimal(precision=8, scale=2), nullable=False),
        sa.Column("score", core.db.ExactDecimal(precision=8, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("finding", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "inspection_id"],
            ["quality_inspections.compound_id", "quality_inspections.id"],
            name=op.f("fk_quality_inspection_results_compound_id_quality_inspections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_inspection_results_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_inspection_results")),
    )
    op.create_table(
        "quality_rectification_items",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "notice_id"],
            ["quality_rectifications.compound_id", "quality_rectifications.id"],
            name=op.f("fk_quality_rectification_items_compound_id_quality_rectifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_rectification_items_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_rectification_items")),
    )
    op.create_table(
        "quality_responses",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("household_key", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "campaign_id"],
            ["quality_campaigns.compound_id", "quality_campaigns.id"],
            name=op.f("fk_quality_responses_compound_id_quality_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_quality_responses_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_quality_responses")),
        sa.UniqueConstraint("compound_id", "campaign_id", "household_key", name="uq_quality_responses_household"),
    )
    for table in COMPOUND_TABLES:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in COMPOUND_TABLES:
        rls.disable(table)
    for table in reversed(TABLES):
        op.drop_table(table)
