//! `pipeline.roles`: what each stage of the CI/CD pipeline may do, as the role it runs with
//! (an IAM policy for the registry, Kubernetes RBAC or CodeDeploy for the deploy). A stage
//! whose role lacks what it needs is refused (AccessDenied) and the pipeline stops there; a
//! role that allows more than its stage needs runs fine but breaks least privilege, which the
//! `excess_permissions` objective counts. Pure: the pipeline controller asks, this answers.

use serde::{Deserialize, Serialize};

/// The roles a stage can be given, from nothing to everything.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// No cloud or cluster permission (a build runner needs none).
    None,
    /// `ecr:PutImage` (and the layer uploads) on the app's repository only.
    RegistryPush,
    /// `ecr:*` on every repository: push, but also delete images and repositories.
    RegistryAdmin,
    /// Update the app's Deployment in its namespace (a Kubernetes RBAC Role; with CodeDeploy,
    /// `codedeploy:CreateDeployment` on the app's deployment group).
    Deploy,
    /// `eks:*` and cluster-admin: deploy, but also nodes, namespaces, RBAC and secrets.
    ClusterAdmin,
    /// AdministratorAccess (`*:*`): everything, including creating roles and keys.
    Administrator,
}

/// The actions that matter to the pipeline, each a permission a role may hold.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Push an image to the app's repository.
    PushImage,
    /// Delete images or repositories, or write to other repositories.
    ManageRegistry,
    /// Roll the app's Deployment out or back.
    UpdateDeployment,
    /// Nodes, namespaces, RBAC, secrets: the whole cluster.
    ManageCluster,
    /// Create roles, users and access keys (a way to any other permission).
    ManageIam,
}

impl Action {
    /// Its name in the policy, as the AccessDenied message gives it.
    pub fn name(self) -> &'static str {
        match self {
            Action::PushImage => "ecr:PutImage",
            Action::ManageRegistry => "ecr:DeleteRepository",
            Action::UpdateDeployment => "deployments.apps/patch",
            Action::ManageCluster => "eks:* / cluster-admin",
            Action::ManageIam => "iam:*",
        }
    }
}

impl Role {
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Role::None => &[],
            Role::RegistryPush => &[PushImage],
            Role::RegistryAdmin => &[PushImage, ManageRegistry],
            Role::Deploy => &[UpdateDeployment],
            Role::ClusterAdmin => &[UpdateDeployment, ManageCluster],
            Role::Administrator => &[PushImage, ManageRegistry, UpdateDeployment, ManageCluster, ManageIam],
        }
    }

    pub fn allows(self, a: Action) -> bool {
        self.actions().contains(&a)
    }

    /// What the role may do, for a learner choosing it (English, Korean).
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Role::None => ("no permissions", "권한 없음"),
            Role::RegistryPush => ("ecr:PutImage on this app's repository", "이 앱의 저장소에 푸시만(ecr:PutImage)"),
            Role::RegistryAdmin => ("ecr:* on every repository (push and delete)", "모든 저장소에 ECR 전체 권한(ecr:*): 푸시와 삭제"),
            Role::Deploy => ("update this app's Deployment in its namespace", "이 앱 네임스페이스의 디플로이먼트 수정만"),
            Role::ClusterAdmin => ("eks:* and cluster-admin", "EKS 전체 권한(eks:*)과 cluster-admin"),
            Role::Administrator => ("AdministratorAccess (*:*)", "AdministratorAccess (*:*, 모든 권한)"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::None => "none",
            Role::RegistryPush => "registry_push",
            Role::RegistryAdmin => "registry_admin",
            Role::Deploy => "deploy",
            Role::ClusterAdmin => "cluster_admin",
            Role::Administrator => "administrator",
        }
    }
}

/// A stage that acts outside the build runner.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Build and test: on the runner, nothing outside.
    Build,
    Push,
    Deploy,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Build, Stage::Push, Stage::Deploy];

    /// What the stage does outside the runner.
    pub fn needs(self) -> &'static [Action] {
        match self {
            Stage::Build => &[],
            Stage::Push => &[Action::PushImage],
            Stage::Deploy => &[Action::UpdateDeployment],
        }
    }
}

fn role_none() -> Role {
    Role::None
}

/// The role each stage runs with.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineRoles {
    /// Build and test (default none: a runner needs no cloud permission).
    #[serde(default = "role_none")]
    pub build: Role,
    pub push: Role,
    pub deploy: Role,
}

impl PipelineRoles {
    pub fn of(&self, stage: Stage) -> Role {
        match stage {
            Stage::Build => self.build,
            Stage::Push => self.push,
            Stage::Deploy => self.deploy,
        }
    }

    /// The first action `stage` needs that its role does not allow (AccessDenied).
    pub fn denied(&self, stage: Stage) -> Option<Action> {
        stage.needs().iter().copied().find(|a| !self.of(stage).allows(*a))
    }

    /// Permissions held beyond need: per stage, the actions its role allows that it does not use.
    pub fn excess(&self) -> u32 {
        Stage::ALL.iter().map(|s| self.of(*s).actions().iter().filter(|a| !s.needs().contains(a)).count() as u32).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::{Action, PipelineRoles, Role, Stage};

    fn roles(build: Role, push: Role, deploy: Role) -> PipelineRoles {
        PipelineRoles { build, push, deploy }
    }

    #[test]
    fn each_stage_needs_its_own_permission_and_nothing_more() {
        use Role::*;
        // (roles, refused at push, refused at deploy, excess)
        let cases = [
            (roles(None, RegistryPush, Deploy), Option::None, Option::None, 0),
            (roles(None, Administrator, Administrator), Option::None, Option::None, 8),
            (roles(Administrator, RegistryPush, Deploy), Option::None, Option::None, 5),
            (roles(None, RegistryAdmin, ClusterAdmin), Option::None, Option::None, 2),
            (roles(None, None, Deploy), Some(Action::PushImage), Option::None, 0),
            (roles(None, RegistryPush, None), Option::None, Some(Action::UpdateDeployment), 0),
            // Roles swapped: each stage is refused, and each holds what it does not use.
            (roles(None, Deploy, RegistryPush), Some(Action::PushImage), Some(Action::UpdateDeployment), 2),
            (roles(None, RegistryPush, RegistryAdmin), Option::None, Some(Action::UpdateDeployment), 2),
        ];
        for (r, push, deploy, excess) in cases {
            assert_eq!(r.denied(Stage::Build), Option::None, "{r:?}");
            assert_eq!(r.denied(Stage::Push), push, "{r:?}");
            assert_eq!(r.denied(Stage::Deploy), deploy, "{r:?}");
            assert_eq!(r.excess(), excess, "{r:?}");
        }
    }
}
