#!/usr/bin/perl
# Runs Sisimai (Debian's libsisimai-perl) over mail files or directories and prints one JSON line
# per file in the form ../shared/tools/score.py reads:
#   {"file": "x.eml", "recipients": [{"address": ..., "status": ..., "category": ..., "reason": ...}]}
# Categories follow the corpus labels' convention: hard bounce (softbounce 0 in Sisimai 4) -> hard, mailboxfull -> quota,
# vacation -> auto_reply, feedback -> complaint, delivered -> delivered, undefined/onhold ->
# unknown, every other reason -> soft. A file Sisimai finds nothing in gets an empty list.
# With --quiet nothing is printed (for timing Sisimai alone).
#
# usage: sisimai_jsonl.pl [--quiet] PATH...
use strict;
use warnings;
use Sisimai;
use JSON::PP;
use File::Basename qw(basename);

my $quiet = 0;
my @paths = grep { $_ eq '--quiet' ? ($quiet = 1, 0) : 1 } @ARGV;
die "usage: $0 [--quiet] PATH...\n" unless @paths;
my @files;
for my $p (@paths) {
    if (-d $p) { opendir(my $d, $p) or die "$p: $!\n"; push @files, map { "$p/$_" } sort grep { /\.eml$/ } readdir $d; }
    else { push @files, $p; }
}
my $json = JSON::PP->new->canonical;
sub category {
    my $r = shift;
    return 'hard' if defined $r->softbounce && $r->softbounce == 0;  # 4.x: 0 = hard
    my $reason = $r->reason // '';
    return 'quota' if $reason eq 'mailboxfull';
    return 'auto_reply' if $reason eq 'vacation';
    return 'complaint' if $reason eq 'feedback';
    return 'delivered' if $reason eq 'delivered';
    return 'unknown' if $reason eq 'undefined' || $reason eq 'onhold' || $reason eq '';
    return 'soft';
}
for my $file (@files) {
    my $found = Sisimai->make($file, 'delivered' => 1) // [];
    next if $quiet;
    my @recipients = map {
        { address => $_->recipient->address, status => $_->deliverystatus // '',
          category => category($_), reason => $_->reason // '' }
    } @$found;
    print $json->encode({ file => basename($file), recipients => \@recipients }), "\n";
}
