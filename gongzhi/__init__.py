"""共治 Gongzhi: party-building-led grassroots governance."""
