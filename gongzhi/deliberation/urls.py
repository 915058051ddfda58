"""Pages of consultation committees and joint meetings. Every change is a POST to its own URL. The
services link to `meeting`, `topic`, `resolution` and `action` in their notifications."""

from django.urls import path

from gongzhi.deliberation.views import actions, committees, meetings, member, public, topics, votes

app_name = "deliberation"
urlpatterns = [
    path("", committees.committee_list, name="committee_list"),
    path("mine/", member.my_committees, name="mine"),
    path("public/", public.public_resolutions, name="public"),
    path("committees/<int:pk>/", committees.committee_detail, name="committee"),
    path("committees/<int:pk>/seats/new/", committees.seat_assign, name="seat_assign"),
    path("committees/<int:pk>/topics/new/", topics.topic_raise, name="topic_raise"),
    path("committees/<int:pk>/topics/from-demands/", topics.topic_from_demands, name="topic_from_demands"),
    path("committees/<int:pk>/meetings/new/", meetings.meeting_schedule, name="meeting_schedule"),
    path("seats/<int:pk>/end/", committees.seat_end, name="seat_end"),
    path("topics/<int:pk>/", topics.topic_detail, name="topic"),
    path("topics/<int:pk>/screen/", topics.topic_screen, name="topic_screen"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/agenda/", meetings.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/notice/", meetings.meeting_send_notice, name="send_notice"),
    path("meetings/<int:pk>/open/", meetings.meeting_open, name="meeting_open"),
    path("meetings/<int:pk>/attendance/", meetings.attendance_save, name="attendance"),
    path("meetings/<int:pk>/minutes/", meetings.minutes_save, name="minutes"),
    path("meetings/<int:pk>/close/", meetings.meeting_close, name="meeting_close"),
    path("meetings/<int:pk>/amend/", meetings.meeting_amend, name="meeting_amend"),
    path("meetings/<int:pk>/minutes.<str:fmt>", meetings.minutes_download, name="minutes_download"),
    path("meetings/<int:pk>/motions/new/", votes.motion_open, name="motion_open"),
    path("motions/<int:pk>/votes/", votes.votes_record, name="votes_record"),
    path("motions/<int:pk>/vote/", votes.vote_cast, name="vote_cast"),
    path("motions/<int:pk>/close/", votes.motion_close, name="motion_close"),
    path("motions/<int:pk>/adopt/", votes.resolution_adopt, name="resolution_adopt"),
    path("resolutions/<int:pk>/", votes.resolution_detail, name="resolution"),
    path("resolutions/<int:pk>/publish/", votes.resolution_publish, name="resolution_publish"),
    path("resolutions/<int:pk>/actions/new/", actions.action_add, name="action_add"),
    path("actions/<int:pk>/", actions.action_detail, name="action"),
    path("actions/<int:pk>/update/", actions.action_update, name="action_update"),
]
