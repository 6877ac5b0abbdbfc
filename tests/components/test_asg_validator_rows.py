"""Pure rows for the Auto Scaling group validators (components/auto_scaling_group.py): each rule at its edge, each
enum and pattern accepted and refused, whole messages.

Engine-free and hypothesis-free like test_validator_boundaries.py, so ``scripts/mutation.py validators`` can fork
per mutant with this file (issue 19). The numeric edges already in that file's ``EDGES`` table (port, volume size,
warm-pool and mixed-instances sizes, the scheduled-action count and ceiling) are not repeated here.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from components.auto_scaling_group import (
    MAX_SCHEDULED_ACTIONS,
    SPOT_ALLOCATION_STRATEGIES,
    WARM_POOL_STATES,
    MixedInstances,
    PredictiveScaling,
    ScheduledAction,
    TrafficSource,
    WarmPool,
    _time_zone_problem,
    _warm_pool,
    request_count_targets,
    validate_auto_scaling_group_args,
)
from components.container_app import ContainerApp
from components.validation import ArgumentError, ArgumentTypeError
from scaling_kit.limits import AUTO_SCALING
from tests.components.test_validator_boundaries import ASG, SUBNETS

API1 = ASG.traffic_sources[0]
API2 = TrafficSource("api2", "arn:tg2", "targetgroup/api2/2")
APP = ContainerApp(image="registry.example/app:1", port=ASG.port, settings_parameter="/app/settings")
NAME_42 = "a" + "b-" * 20 + "c"  # 42 characters, the longest name AWS allows


def asg(**fields):
    """The call that validates the baseline group with ``fields`` changed."""
    return lambda: validate_auto_scaling_group_args(replace(ASG, **fields))


def scheduled(*actions, **fields):
    return asg(scheduled_actions=actions, **fields)


def act(name="a", recurrence="0 8 * * MON-FRI", min_size=0, desired=0, max_size=10, time_zone="Etc/UTC"):
    return ScheduledAction(name, recurrence, min_size, desired, max_size, time_zone)


def mixed(*types, **fields):
    return asg(mixed_instances=MixedInstances(types or ("m6i.large",), **fields))


NOT_A_CRON = ("is not a cron expression; expected five fields (minute hour day-of-month month day-of-week) such as "
              "'0 8 * * MON-FRI'")
BAD_NAME = ("is not allowed; expected lower-case letters, digits and '-', 1 to 42 characters, starting and ending "
            "with a letter or digit")
WEIGHTS = "are not allowed; expected weights >= 0 and at least one above 0"


ACCEPTED = {
    # subnets and their zones: unchecked when not given, two distinct zones among three subnets is enough
    "subnets.zones_not_given": asg(subnet_zones=()),
    "subnets.two_zones": asg(subnet_zones=("eu-west-1a", "eu-west-1b")),
    "subnets.three_subnets_two_zones": asg(subnet_ids=SUBNETS, subnet_zones=("eu-west-1a", "eu-west-1b", "eu-west-1a")),
    # health checks and traffic sources
    "health.elb_with_sources": asg(health_check_type="ELB"),
    "health.ec2_without_sources": asg(health_check_type="EC2", traffic_sources=()),
    "health.ec2_with_sources": asg(health_check_type="EC2"),
    "sources.two_distinct": asg(traffic_sources=(API1, API2)),
    "sources.one_weight_zero": asg(traffic_sources=(replace(API1, weight=0), API2)),
    # instance type and AMI
    "instance_type.shortest": asg(instance_type="a.b"),
    "ami.empty_is_al2023": asg(ami_id=""),
    "ami.id": asg(ami_id="ami-0123456789abcdef0"),
    "ami.bare_prefix": asg(ami_id="ami-"),
    # container
    "container.same_port": asg(container=APP),
    "container.without_user_data": asg(container=APP, user_data=""),
    "user_data.without_container": asg(user_data="#!/bin/sh\necho hi\n"),
    # warm pool: each state; max_group_prepared_capacity at max(min_size, warm_pool.min_size, 1) and none
    **{f"warm_pool.{state}": asg(warm_pool=WarmPool(pool_state=state)) for state in WARM_POOL_STATES},
    "warm_pool.prepared_none": asg(warm_pool=WarmPool(max_group_prepared_capacity=None)),
    "warm_pool.prepared_at_group_min": asg(warm_pool=WarmPool(max_group_prepared_capacity=ASG.min_size)),
    "warm_pool.prepared_at_1": asg(min_size=0, warm_pool=WarmPool(max_group_prepared_capacity=1)),
    "warm_pool.prepared_at_pool_min": asg(min_size=0, warm_pool=WarmPool(min_size=4, max_group_prepared_capacity=4)),
    # mixed instances: the type pattern at its edges, each Spot strategy
    "mixed.one_type": mixed("m6i.large"),
    "mixed.shortest_type": mixed("a.b"),
    "mixed.type_with_dash": mixed("c7i-flex.large"),
    "mixed.type_digits_after_dot": mixed("m6i.24xlarge", "z9.9"),
    **{f"mixed.{strategy}": mixed(spot_allocation_strategy=strategy) for strategy in SPOT_ALLOCATION_STRATEGIES},
    # scheduled actions: names at their edges, five-field crons, time zones, sizes equal to each other
    "schedule.none": scheduled(),
    "schedule.name_1_char": scheduled(act("a")),
    "schedule.name_digit": scheduled(act("7")),
    "schedule.name_42_chars": scheduled(act(NAME_42)),
    "schedule.names_distinct": scheduled(act("a"), act("b")),
    "schedule.cron_symbols": scheduled(act(recurrence="0/15 8-18 ? JAN,FEB 2#1")),
    "schedule.cron_stars": scheduled(act(recurrence="* * * * *")),
    "schedule.cron_extra_spaces": scheduled(act(recurrence=" 0  8 * *\t*\n")),
    "schedule.time_zone_berlin": scheduled(act(time_zone="Europe/Berlin")),
    "schedule.time_zone_three_parts": scheduled(act(time_zone="America/Argentina/Buenos_Aires")),
    "schedule.sizes_equal": scheduled(act(min_size=3, desired=3, max_size=3)),
    "schedule.sizes_zero": scheduled(act(min_size=0, desired=0, max_size=0)),
    "schedule.ceiling_is_group_max": scheduled(act(max_size=30), max_size=30),
    "schedule.at_documented_max": scheduled(act(max_size=AUTO_SCALING.max_size), max_size=10),
    # predictive scaling reads the group's arguments: the load balancer and the one weighted source
    "predictive.requests_of_the_group": asg(load_balancer_arn_suffix="app/alb/1",
                                            predictive_scaling=PredictiveScaling(metric="requests")),
    "schedule.at_the_count_limit": scheduled(*(act(f"a{i}") for i in range(MAX_SCHEDULED_ACTIONS))),
}


REFUSED = {
    # the shared checks run first: types, environment, the capacity triple
    "types.port_as_text": (asg(port="3000"), "port: '3000' is str; expected an integer"),
    "environment": (asg(environment="qa"), "environment: 'qa' is not allowed; expected one of 'dev', 'prod'"),
    "capacity.min_above_desired": (asg(min_size=3, desired_capacity=2), "min_size/desired_capacity/max_size: 3/2/20 is "
                                   "not allowed; expected 0 <= min_size <= desired_capacity <= max_size and max_size >= 1"),
    # subnets and their zones
    "subnets.fewer_zones": (asg(subnet_zones=("eu-west-1a",)),
                            "subnet_zones: 1 zone(s) for 2 subnet(s); give the zone of each subnet"),
    "subnets.more_zones": (asg(subnet_zones=("eu-west-1a", "eu-west-1b", "eu-west-1c")),
                           "subnet_zones: 3 zone(s) for 2 subnet(s); give the zone of each subnet"),
    "subnets.one_zone": (asg(subnet_zones=("eu-west-1a", "eu-west-1a")),
                         "subnet_zones: ['eu-west-1a', 'eu-west-1a'] is one zone; expected at least two"),
    "subnets.three_in_one_zone": (asg(subnet_ids=SUBNETS, subnet_zones=("z", "z", "z")),
                                  "subnet_zones: ['z', 'z', 'z'] is one zone; expected at least two"),
    # health checks and traffic sources
    "health.lower_case": (asg(health_check_type="elb"),
                          "health_check_type: 'elb' is not allowed; expected one of ('ELB', 'EC2')"),
    "health.elb_without_sources": (asg(traffic_sources=()), "health_check_type: 'ELB' needs traffic_sources (target "
                                   "groups); give them or use 'EC2'"),
    "sources.duplicate_names": (asg(traffic_sources=(API1, replace(API2, name="api1"))),
                                "traffic_sources: names ['api1', 'api1'] have duplicates"),
    "sources.negative_weight": (asg(traffic_sources=(API1, replace(API2, weight=-1))),
                                f"traffic_sources: weights [1, -1] {WEIGHTS}"),
    "sources.all_weights_zero": (asg(traffic_sources=(replace(API1, weight=0), replace(API2, weight=0))),
                                 f"traffic_sources: weights [0, 0] {WEIGHTS}"),
    "sources.one_weight_zero": (asg(health_check_type="EC2", traffic_sources=(replace(API1, weight=0),)),
                                f"traffic_sources: weights [0] {WEIGHTS}"),
    # instance type and AMI
    "instance_type.empty": (asg(instance_type=""), "instance_type: '' is not an instance type such as m6i.large"),
    "instance_type.no_dot": (asg(instance_type="m6ilarge"),
                             "instance_type: 'm6ilarge' is not an instance type such as m6i.large"),
    "ami.other_prefix": (asg(ami_id="img-0123"),
                         "ami_id: 'img-0123' is not an AMI ID; expected ami-... or empty for Amazon Linux 2023"),
    "ami.prefix_not_at_start": (asg(ami_id="xami-0123"),
                                "ami_id: 'xami-0123' is not an AMI ID; expected ami-... or empty for Amazon Linux 2023"),
    "ami.no_dash": (asg(ami_id="ami0123"),
                    "ami_id: 'ami0123' is not an AMI ID; expected ami-... or empty for Amazon Linux 2023"),
    # container
    "container.checked": (asg(container=replace(APP, settings_parameter="app")), "container.settings_parameter: "
                          "'app' is not an SSM parameter path such as /project/stack/app"),
    "container.and_user_data": (asg(container=APP, user_data="#!/bin/sh\n"),
                                "user_data: give either container or user_data, not both"),
    # warm pool
    "warm_pool.state_lower_case": (asg(warm_pool=WarmPool(pool_state="stopped")), "warm_pool.pool_state: 'stopped' is "
                                   "not allowed; expected one of 'Stopped', 'Running', 'Hibernated'"),
    "warm_pool.prepared_below_group_min": (
        asg(warm_pool=WarmPool(max_group_prepared_capacity=ASG.min_size - 1)),
        f"warm_pool.max_group_prepared_capacity/min_size/warm_pool.min_size: {ASG.min_size - 1} is below min_size "
        f"{ASG.min_size} or warm_pool.min_size 0; expected at least both (and 1), or none for the group's max_size"),
    "warm_pool.prepared_below_1": (
        asg(min_size=0, warm_pool=WarmPool(max_group_prepared_capacity=0)),
        "warm_pool.max_group_prepared_capacity/min_size/warm_pool.min_size: 0 is below min_size 0 or "
        "warm_pool.min_size 0; expected at least both (and 1), or none for the group's max_size"),
    "warm_pool.prepared_below_pool_min": (
        asg(min_size=0, warm_pool=WarmPool(min_size=4, max_group_prepared_capacity=3)),
        "warm_pool.max_group_prepared_capacity/min_size/warm_pool.min_size: 3 is below min_size 0 or "
        "warm_pool.min_size 4; expected at least both (and 1), or none for the group's max_size"),
    "warm_pool.with_mixed_instances": (
        asg(warm_pool=WarmPool(), mixed_instances=MixedInstances(("m6i.large",))),
        "warm_pool/mixed_instances: AWS allows no warm pool in a group with a mixed instances policy (or Spot); "
        "give one of them"),
    # mixed instances
    "mixed.no_types": (asg(mixed_instances=MixedInstances(())),
                       "mixed_instances.instance_types: 0 type(s) given; expected 1 to 40"),
    "mixed.upper_case": (mixed("M6i.large"),
                         "mixed_instances.instance_types: 'M6i.large' is not an instance type such as m6i.large"),
    "mixed.starts_with_digit": (mixed("6i.large"),
                                "mixed_instances.instance_types: '6i.large' is not an instance type such as m6i.large"),
    "mixed.nothing_after_dot": (mixed("m6i."),
                                "mixed_instances.instance_types: 'm6i.' is not an instance type such as m6i.large"),
    "mixed.no_dot": (mixed("m6ilarge"),
                     "mixed_instances.instance_types: 'm6ilarge' is not an instance type such as m6i.large"),
    "mixed.trailing_space": (mixed("m6i.large "),
                             "mixed_instances.instance_types: 'm6i.large ' is not an instance type such as m6i.large"),
    "mixed.two_dots": (mixed("m6i.large.x"),
                       "mixed_instances.instance_types: 'm6i.large.x' is not an instance type such as m6i.large"),
    "mixed.first_bad_named": (mixed("m6i.large", "X.1", "Y.2"),
                              "mixed_instances.instance_types: 'X.1' is not an instance type such as m6i.large"),
    "mixed.duplicates": (mixed("m6i.large", "c6i.large", "m6i.large"),
                         "mixed_instances.instance_types: ['m6i.large', 'c6i.large', 'm6i.large'] has duplicates"),
    "mixed.strategy": (mixed(spot_allocation_strategy="lowest"),
                       "mixed_instances.spot_allocation_strategy: 'lowest' is not allowed; expected one of "
                       "'price-capacity-optimized', 'capacity-optimized', 'capacity-optimized-prioritized', "
                       "'lowest-price'"),
    # scheduled actions: names
    "schedule.name_43_chars": (scheduled(act(NAME_42 + "d")), f"scheduled_actions[0].name: '{NAME_42}d' {BAD_NAME}"),
    "schedule.name_empty": (scheduled(act("")), f"scheduled_actions[0].name: '' {BAD_NAME}"),
    "schedule.name_leading_dash": (scheduled(act("-a")), f"scheduled_actions[0].name: '-a' {BAD_NAME}"),
    "schedule.name_trailing_dash": (scheduled(act("a-")), f"scheduled_actions[0].name: 'a-' {BAD_NAME}"),
    "schedule.name_upper_case": (scheduled(act("Nightly")), f"scheduled_actions[0].name: 'Nightly' {BAD_NAME}"),
    "schedule.name_underscore": (scheduled(act("a_b")), f"scheduled_actions[0].name: 'a_b' {BAD_NAME}"),
    "schedule.name_in_second_action": (scheduled(act("a"), act("b.c")),
                                       f"scheduled_actions[1].name: 'b.c' {BAD_NAME}"),
    "schedule.name_repeated": (scheduled(act("a"), act("b"), act("a")),
                               "scheduled_actions[2].name: 'a' is used by an earlier action; names are unique"),
    # recurrence
    "schedule.cron_four_fields": (scheduled(act(recurrence="0 8 * *")),
                                  f"scheduled_actions[0].recurrence: '0 8 * *' {NOT_A_CRON}"),
    "schedule.cron_six_fields": (scheduled(act(recurrence="0 0 8 * * *")),
                                 f"scheduled_actions[0].recurrence: '0 0 8 * * *' {NOT_A_CRON}"),
    "schedule.cron_empty": (scheduled(act(recurrence="")), f"scheduled_actions[0].recurrence: '' {NOT_A_CRON}"),
    "schedule.cron_bad_character_last": (scheduled(act(recurrence="0 8 * * MON&FRI")),
                                         f"scheduled_actions[0].recurrence: '0 8 * * MON&FRI' {NOT_A_CRON}"),
    "schedule.cron_bad_character_first": (scheduled(act(recurrence="@ 8 * * *")),
                                          f"scheduled_actions[0].recurrence: '@ 8 * * *' {NOT_A_CRON}"),
    "schedule.cron_in_second_action": (scheduled(act("a"), act("b", recurrence="daily")),
                                       f"scheduled_actions[1].recurrence: 'daily' {NOT_A_CRON}"),
    # time zone
    "schedule.time_zone_unknown": (scheduled(act(time_zone="Mars/Olympus_Mons")),
                                   "scheduled_actions[0].time_zone: 'Mars/Olympus_Mons' is not an IANA time zone; "
                                   "expected a name such as Etc/UTC or Europe/Berlin"),
    "schedule.time_zone_in_second_action": (scheduled(act("a"), act("b", time_zone="CEST")),
                                            "scheduled_actions[1].time_zone: 'CEST' is not an IANA time zone; "
                                            "expected a name such as Etc/UTC or Europe/Berlin"),
    # sizes
    **{f"schedule.sizes_{'_'.join(map(str, sizes))}": (
        scheduled(act("a"), act("b", min_size=sizes[0], desired=sizes[1], max_size=sizes[2])),
        "scheduled_actions[1].min_size/scheduled_actions[1].desired_capacity/scheduled_actions[1].max_size: "
        f"{'/'.join(map(str, sizes))} is not allowed; expected 0 <= min_size <= desired_capacity <= max_size")
       for sizes in ((3, 2, 5), (1, 6, 5), (-1, 0, 0), (0, 0, -1))},
    "schedule.above_group_max": (scheduled(act("a"), act("b", max_size=31), max_size=30),
                                 f"scheduled_actions[1].max_size: 31 is above 30, the documented maximum "
                                 f"({AUTO_SCALING.max_size}) or the group's max_size (30) if higher"),
    "predictive.requests_without_the_groups_alb": (
        asg(predictive_scaling=PredictiveScaling(metric="requests")),
        "predictive_scaling.metric: 'requests' needs load_balancer_arn_suffix (the request count is the load "
        "balancer's); give it or use 'cpu'"),
    "schedule.above_documented_max": (scheduled(act(max_size=AUTO_SCALING.max_size + 1), max_size=10),
                                      f"scheduled_actions[0].max_size: {AUTO_SCALING.max_size + 1} is above "
                                      f"{AUTO_SCALING.max_size}, the documented maximum ({AUTO_SCALING.max_size}) or "
                                      "the group's max_size (10) if higher"),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_value_at_the_edge_of_an_asg_rule_is_accepted(name):
    ACCEPTED[name]()


@pytest.mark.parametrize("name", REFUSED)
def test_a_value_outside_an_asg_rule_is_refused_with_the_whole_message(name):
    call, message = REFUSED[name]
    with pytest.raises(ArgumentError, match=re.escape(message)) as info:
        call()
    assert str(info.value) == message


def test_a_wrong_type_is_a_type_error_too():
    with pytest.raises(ArgumentTypeError):
        asg(port="3000")()


TIME_ZONE_SHAPES = [  # what the shape check (no time zone database) accepts: a name, then up to two /parts
    ("UTC", True), ("Etc/UTC", True), ("America/Argentina/Buenos_Aires", True), ("Etc/GMT+5", True),
    ("Etc/GMT-14", True), ("America/Port-au-Prince", True), ("Mars/Olympus_Mons", True),
    ("", False), ("A/B/C/D", False), ("Europe/", False), ("/Berlin", False), ("Europe//Berlin", False),
    ("Etc+5/UTC", False), ("9/x", False), ("Europe/Berlin ", False), ("Europe.Berlin", False), ("America/São", False),
]


@pytest.mark.parametrize(("name", "accepted"), TIME_ZONE_SHAPES)
def test_without_a_time_zone_database_only_the_shape_of_the_name_is_checked(name, accepted):
    expected = None if accepted else (f"{name!r} is not an IANA time zone; expected a name such as Etc/UTC or "
                                      "Europe/Berlin")
    assert _time_zone_problem(name, frozenset()) == expected


@pytest.mark.parametrize(("name", "accepted"), [("Europe/Berlin", True), ("Etc/UTC", True), ("Mars/Olympus_Mons", False),
                                                ("europe/berlin", False), ("Europe/Berlin/", False)])
def test_with_a_time_zone_database_the_name_must_be_in_it(name, accepted):
    expected = None if accepted else (f"{name!r} is not an IANA time zone; expected a name such as Etc/UTC or "
                                      "Europe/Berlin")
    assert _time_zone_problem(name, frozenset({"Europe/Berlin", "Etc/UTC"})) == expected


@pytest.mark.parametrize(("weights", "requests_per_instance", "targets"), [
    ((1,), 1000, {"api1": 1000}),
    ((5, 5, 3), 1000, {"api1": 385, "api2": 385, "api3": 231}),  # the design's weights: 5000/13, 3000/13 rounded
    ((1, 3), 1000, {"api1": 250, "api2": 750}),
    ((2, 1), 300, {"api1": 200, "api2": 100}),
    ((1, 0), 1000, {"api1": 1000}),  # a source without weight carries no traffic and gets no policy
    ((0, 1, 0), 600, {"api2": 600}),
    ((1, 9), 1, {"api1": 1, "api2": 1}),  # 0.1 rounds to 0: a target is at least 1
])
def test_request_count_targets_split_the_instance_target_by_weight(weights, requests_per_instance, targets):
    sources = [TrafficSource(f"api{i + 1}", f"arn:tg{i + 1}", f"targetgroup/api{i + 1}/1", w) for i, w in enumerate(weights)]
    assert request_count_targets(sources, requests_per_instance) == targets


@pytest.mark.parametrize(("pool", "expected"), [
    (WarmPool(), ("Stopped", 0, -1, False)),  # -1 is AWS's "the group's max_size"
    (WarmPool("Hibernated", 2, 7, True), ("Hibernated", 2, 7, True)),
    (WarmPool("Running", 1, 1, False), ("Running", 1, 1, False)),
])
def test_the_warm_pool_arguments_are_the_pool_as_given(pool, expected):
    built = _warm_pool(pool)
    assert (built.pool_state, built.min_size, built.max_group_prepared_capacity,
            built.instance_reuse_policy.reuse_on_scale_in) == expected
