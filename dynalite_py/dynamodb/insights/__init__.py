"""Contributor Insights: UpdateContributorInsights,
DescribeContributorInsights, ListContributorInsights (insights.py holds
what they share)."""
